/**
 * An agent-side MCP client that reads every contact page by page and respects the CRM's rate
 * limit: crm-mcp never waits or retries for you, it returns `rate_limited` with
 * `retry_after_seconds` and the figures in `_meta` (`ratelimit-remaining`, `retry-after`).
 *
 *   node --import tsx examples/agent-backoff.ts -- node dist/cli/main.js stdio --account acct_123
 *   node --import tsx examples/agent-backoff.ts --url http://127.0.0.1:8080/mcp --token cmcp_...
 */
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { CallToolResult } from '@modelcontextprotocol/client';
import { pathToFileURL } from 'node:url';

export interface BackoffOptions {
  pageSize?: number;
  /** How to wait; tests pass one that advances a fake clock. */
  sleep?: (ms: number) => Promise<void>;
  log?: (line: string) => void;
  /** Give up after this many consecutive rate_limited answers for one page. */
  maxConsecutiveBackoffs?: number;
}

export interface BackoffRun {
  contacts: Array<Record<string, unknown>>;
  pages: number;
  backoffs: number;
  waitedSeconds: number;
  /** The last `_meta` rate-limit figures seen (IETF names). */
  lastRateLimit: Record<string, unknown>;
}

interface ListResult {
  contacts?: Array<Record<string, unknown>>;
  next_cursor?: string | null;
  error?: { code: string; message: string; retry_after_seconds?: number };
}

export async function listAllContactsWithBackoff(client: Client, opts: BackoffOptions = {}): Promise<BackoffRun> {
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const log = opts.log ?? (() => {});
  const maxBackoffs = opts.maxConsecutiveBackoffs ?? 10;
  const run: BackoffRun = { contacts: [], pages: 0, backoffs: 0, waitedSeconds: 0, lastRateLimit: {} };
  let cursor: string | undefined;
  let consecutive = 0;
  for (;;) {
    const args: Record<string, unknown> = { limit: opts.pageSize ?? 10, ...(cursor ? { cursor } : {}) };
    const res = (await client.callTool({ name: 'list_contacts', arguments: args })) as CallToolResult;
    const meta = res._meta ?? {};
    run.lastRateLimit = Object.fromEntries(Object.entries(meta).filter(([k]) => k.startsWith('ratelimit-') || k === 'retry-after'));
    const body = (res.structuredContent ?? {}) as ListResult;
    if (res.isError) {
      if (body.error?.code !== 'rate_limited') throw new Error(`list_contacts failed: ${body.error?.code ?? 'error'}: ${body.error?.message ?? ''}`);
      if (++consecutive > maxBackoffs) throw new Error(`still rate limited after ${maxBackoffs} backoffs`);
      const wait = body.error.retry_after_seconds ?? Number(meta['retry-after'] ?? 1);
      run.backoffs++;
      run.waitedSeconds += wait;
      log(`rate limited: waiting ${wait}s (backoff ${run.backoffs})`);
      await sleep(wait * 1000);
      continue;
    }
    consecutive = 0;
    run.pages++;
    run.contacts.push(...(body.contacts ?? []));
    log(`page ${run.pages}: ${body.contacts?.length ?? 0} contacts, ratelimit-remaining=${String(meta['ratelimit-remaining'] ?? '?')}`);
    if (!body.next_cursor) return run;
    cursor = body.next_cursor;
  }
}

async function main(argv: string[]): Promise<void> {
  const client = new Client({ name: 'agent-backoff-example', version: '1.0.0' });
  const urlAt = argv.indexOf('--url');
  if (urlAt !== -1) {
    const tokenAt = argv.indexOf('--token');
    const token = tokenAt !== -1 ? argv[tokenAt + 1] : undefined;
    await client.connect(
      new StreamableHTTPClientTransport(new URL(argv[urlAt + 1] ?? ''), token ? { requestInit: { headers: { authorization: `Bearer ${token}` } } } : {}),
    );
  } else {
    const cmd = argv[0] === '--' ? argv.slice(1) : argv;
    if (!cmd[0]) throw new Error('usage: agent-backoff.ts -- <server command...> | --url <mcp url> [--token <t>]');
    // The server gets this process's environment: its store, key and OAuth client settings (CRM_MCP_*).
    await client.connect(new StdioClientTransport({ command: cmd[0], args: cmd.slice(1), stderr: 'inherit', env: process.env as Record<string, string> }));
  }
  try {
    const run = await listAllContactsWithBackoff(client, { log: (l) => process.stderr.write(l + '\n') });
    process.stdout.write(JSON.stringify({ contacts: run.contacts.length, pages: run.pages, backoffs: run.backoffs }) + '\n');
  } finally {
    await client.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`agent-backoff: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
