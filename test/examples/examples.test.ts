import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/commands.js';
import { run as stdioRun } from '../../src/cli/commands/stdio.js';
import type { Engine } from '../../src/engine/types.js';
import { cryptoRandom } from '../../src/core/deps.js';
import { silentLogger } from '../../src/core/logger.js';
import { createServer } from '../../src/mcp/server.js';
import { listAllContactsWithBackoff } from '../../examples/agent-backoff.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startHttpServer } from '../../src/http/server.js';
import { manualClock } from '../http/helpers.js';
import { startFakeCrms } from '../mcp/helpers/fake-crms.js';
import { fixedTokens, realEngine } from '../mcp/helpers/real-stack.js';
import { startThrottlingProxy } from './throttling-proxy.js';
import { testAccount } from '../mcp/helpers/accounts.js';
import { createMemoryEngine } from '../mcp/helpers/memory-engine.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The in-test engine behind a fixed-window limit of `limit` calls per `windowMs`, on a manual clock. */
function throttled(inner: Engine, clock: ReturnType<typeof manualClock>, limit: number, windowMs: number): Engine & { providerCalls: number } {
  let windowStart = clock.now();
  let used = 0;
  const e = {
    providerCalls: 0,
    capabilities: (a: Parameters<Engine['capabilities']>[0]) => inner.capabilities(a),
    async execute(req: Parameters<Engine['execute']>[0]) {
      e.providerCalls++;
      if (clock.now() - windowStart >= windowMs) {
        windowStart = clock.now();
        used = 0;
      }
      const reset = Math.ceil((windowStart + windowMs - clock.now()) / 1000);
      if (used >= limit) {
        return { ok: false as const, error: { code: 'rate_limited' as const, message: 'rate limit reached', status: 429, retry_after_seconds: reset }, rate_limit: { limit, remaining: 0, reset_seconds: reset, retry_after_seconds: reset }, provider_requests: 1 };
      }
      used++;
      const res = await inner.execute(req);
      return { ...res, rate_limit: { limit, remaining: limit - used, reset_seconds: reset } };
    },
  };
  return e;
}

describe('examples/agent-backoff.ts', () => {
  it('reads every contact page by page, backing off on rate_limited at least 3 times', async () => {
    const clock = manualClock();
    const inner = createMemoryEngine();
    inner.records.contacts = Array.from({ length: 23 }, (_, i) => ({ id: String(i + 1), first_name: `P${i + 1}`, emails: [], phones: [] }));
    const engine = throttled(inner, clock, 2, 10_000);
    const built = await createServer({ account: testAccount(), engine, deps: { clock, random: cryptoRandom, logger: silentLogger } });
    const [a, b] = InMemoryTransport.createLinkedPair();
    const client = new Client({ name: 'backoff', version: '1' });
    await built.server.connect(a);
    await client.connect(b);
    const log: string[] = [];
    const run = await listAllContactsWithBackoff(client, { pageSize: 3, sleep: async (ms) => clock.advance(ms), log: (l) => log.push(l) });
    expect(run.contacts.map((c) => c.id)).toEqual(Array.from({ length: 23 }, (_, i) => String(i + 1)));
    expect(run.pages).toBe(8);
    expect(run.backoffs).toBeGreaterThanOrEqual(3);
    expect(engine.providerCalls).toBe(run.pages + run.backoffs);
    expect(log.some((l) => /rate limited: waiting \d+s/.test(l))).toBe(true);
    await client.close();
  });
});

describe('examples/agent-backoff.ts against the HubSpot fake behind a tiny rate limit', () => {
  it('completes the full listing over Streamable HTTP, backing off at least 3 times, never retried by the server', async () => {
    const clock = manualClock();
    const crms = await startFakeCrms();
    crms.hubspot.data.contacts = Array.from({ length: 25 }, (_, i) => ({
      id: String(200 + i), properties: { firstname: `P${i}`, lastname: 'Example', email: `p${i}@example.com` }, createdAt: '2024-01-01T00:00:00.000Z', updatedAt: '2024-01-01T00:00:00.000Z', archived: false,
    }));
    const proxy = await startThrottlingProxy(crms.hubspot.url, { max: 2, windowMs: 10_000, now: () => clock.now() });
    const account = crms.accounts.find((a) => a.integration === 'hubspot')!;
    const deps = { clock, random: cryptoRandom, logger: silentLogger };
    const { engine, crmName } = realEngine(deps, fixedTokens(async () => account), {
      envOverrides: { test: { hubspot: { base_url: proxy.url } } },
      extraAllowedHosts: [proxy.host],
    });
    const srv = await startHttpServer({ port: 0, engine, deps, accounts: { get: async (id) => (id === account.id ? account : undefined) }, auth: { mode: 'none', accountId: account.id }, crmName });
    const client = new Client({ name: 'backoff-e2e', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${srv.url}/mcp`)));
    try {
      const run = await listAllContactsWithBackoff(client, { pageSize: 4, sleep: async (ms) => clock.advance(ms) });
      expect(run.contacts.map((c) => c.id)).toEqual(Array.from({ length: 25 }, (_, i) => String(200 + i)));
      expect(run.pages).toBe(7);
      expect(run.backoffs).toBeGreaterThanOrEqual(3);
      // One provider request per tool call: the server neither retried nor waited.
      expect(proxy.throttled).toBe(run.backoffs);
      expect(run.lastRateLimit['ratelimit-limit']).toBe('2');
    } finally {
      await client.close();
      await srv.close();
      await proxy.close();
      await crms.close();
    }
  });
});

describe('client configuration examples', () => {
  const stdioArgs = (args: string[]) => {
    const i = args.indexOf('stdio');
    expect(i, 'runs the stdio command').toBeGreaterThanOrEqual(0);
    expect(COMMANDS.stdio).toBeDefined();
    expect(args[i + 1]).toBe('--account');
  };

  it('claude_desktop_config.json runs `crm-mcp stdio --account`', async () => {
    const cfg = JSON.parse(readFileSync(`${ROOT}examples/claude_desktop_config.json`, 'utf8')) as { mcpServers: Record<string, { command: string; args: string[] }> };
    const s = Object.values(cfg.mcpServers)[0]!;
    expect(s.args).toContain('crm-mcp');
    stdioArgs(s.args);
    // Every flag it passes is one the stdio command accepts (its usage lists them).
    const usage = [] as string[];
    await stdioRun(['--help'], { stdout: (t) => usage.push(t), stderr: () => {}, env: {}, stdoutIsTty: false });
    for (const flag of s.args.filter((a) => a.startsWith('--'))) expect(usage.join(''), flag).toContain(flag);
  });

  it('vscode-mcp.json has a stdio server and an HTTP server with a bearer token input', () => {
    const cfg = JSON.parse(readFileSync(`${ROOT}examples/vscode-mcp.json`, 'utf8')) as {
      servers: Record<string, { type: string; args?: string[]; url?: string; headers?: Record<string, string> }>;
      inputs: Array<{ id: string; password?: boolean }>;
    };
    const stdio = Object.values(cfg.servers).find((s) => s.type === 'stdio')!;
    stdioArgs(stdio.args!);
    const http = Object.values(cfg.servers).find((s) => s.type === 'http')!;
    expect(new URL(http.url!).pathname).toBe('/mcp');
    expect(http.headers?.Authorization).toMatch(/^Bearer \$\{input:[a-z-]+\}$/);
    expect(cfg.inputs[0]?.password).toBe(true);
  });
});
