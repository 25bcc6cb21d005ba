/**
 * Both protocol eras, both transports, one product: a 2026-07-28 client (v2 Client pinned to
 * 2026-07-28: server/discover, the per-request `_meta` envelope, Mcp-Method/Mcp-Name headers) and a
 * 2025-11-25 client (initialize handshake) drive every tool over Streamable HTTP (`serve`) and over
 * stdio (`stdio`), the built CLI as a process, against a fresh HubSpot fake each. The four runs make
 * the same calls with the same arguments, so their results must be identical once the figures
 * that move with the clock (rate-limit reset, timestamps) are set aside.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Client, StreamableHTTPClientTransport, type CallToolResult } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, describe, expect, it } from 'vitest';
import { cliArgs } from '../helpers/dist.js';
import { exerciseAllTools } from './helpers/exercise.js';
import { ACCOUNT_IDS, startSandboxCrms, type SandboxCrms } from './helpers/sandbox-crms.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MODERN = { versionNegotiation: { mode: { pin: '2026-07-28' } } } as const;
const closers: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const c of closers.reverse()) await c();
});

async function freshSandbox(): Promise<SandboxCrms> {
  const crms = await startSandboxCrms();
  closers.push(() => crms.close());
  return crms;
}

async function serveNoAuth(env: Record<string, string>): Promise<string> {
  const server: ChildProcess = spawn(process.execPath, cliArgs('serve', '--account', ACCOUNT_IDS.hubspot, '--no-auth', '--port', '0'), { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  closers.push(() => void server.kill('SIGTERM'));
  let out = '';
  let err = '';
  server.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  return new Promise((resolve, reject) => {
    server.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /"listening":"([^"]+)"/.exec(out);
      if (m) resolve(m[1]!);
    });
    server.on('exit', (code) => reject(new Error(`serve exited ${code}: ${err}`)));
  });
}

async function connect(era: 'modern' | 'legacy', transport: 'http' | 'stdio'): Promise<Client> {
  const crms = await freshSandbox();
  const { env } = await crms.seedStore();
  const client = new Client({ name: `both-eras-${era}-${transport}`, version: '1' }, era === 'modern' ? MODERN : {});
  if (transport === 'http') await client.connect(new StreamableHTTPClientTransport(new URL(await serveNoAuth(env))));
  else await client.connect(new StdioClientTransport({ command: process.execPath, args: cliArgs('stdio', '--account', ACCOUNT_IDS.hubspot), cwd: ROOT, env, stderr: 'ignore' }));
  closers.push(() => client.close());
  return client;
}

/**
 * What moves between runs: rate-limit reset times, timestamps, sealed cursors (a fresh nonce and
 * expiry each); and the server identity 2026-07-28 stamps on every response (`_meta`), which is
 * wire envelope, not tool result.
 */
function steady(results: Record<string, CallToolResult>): unknown {
  const text = JSON.stringify(results, (k, v: unknown) => (k === 'io.modelcontextprotocol/serverInfo' ? undefined : v))
    .replace(/c1\.k1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/g, '<cursor>')
    .replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z/g, '<time>')
    .replace(/(reset_seconds\\?":)\d+/g, (_, k: string) => `${k}0`)
    .replace(/(ratelimit-reset\\?":\\?")\d+/g, (_, k: string) => `${k}0`)
    .replace(/;t=\d+/g, ';t=0')
    .replace(/resets in \d+s/g, 'resets in 0s');
  return JSON.parse(text);
}

describe('both protocol eras over both transports', () => {
  it('a 2026-07-28 client and a 2025-11-25 client, over HTTP and stdio, get identical results from every tool', async () => {
    const runs: Record<string, unknown> = {};
    for (const transport of ['http', 'stdio'] as const) {
      for (const era of ['modern', 'legacy'] as const) {
        const client = await connect(era, transport);
        expect(client.getProtocolEra(), `${era} over ${transport}`).toBe(era);
        const called = await exerciseAllTools(client, { stamp: 'botheras' });
        expect(Object.keys(called)).toHaveLength(14);
        runs[`${era}/${transport}`] = steady(called);
      }
    }
    const [first, ...rest] = Object.entries(runs);
    for (const [name, run] of rest) expect(run, `${name} vs ${first![0]}`).toEqual(first![1]);
  }, 180_000);
});
