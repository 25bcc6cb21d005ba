/**
 * `crm-mcp serve` mounts the connect endpoints: a link made by `links create` (pointing at the
 * running server) goes through the provider's consent and comes back to serve's own
 * /connect/callback, and the new account is served at once with a token from `tokens create`.
 * The real composition root (openApp) over one encrypted SQLite store, configured by a config
 * file that points the `sandbox` environment at the faithful fakes.
 */
import { Client } from '@modelcontextprotocol/client';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { links, serve, tokens as tokensCmd } from '../cli/helpers/cli.js';
import type { CliIo } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/program.js';
import { openOperatorRuntime, openRuntime } from '../../src/cli/open.js';
import { systemClock } from '../../src/core/deps.js';
import { configEnvironments, writeConfigFile } from '../helpers/dist.js';
import { CLIENT_ENV, ENVIRONMENT, sandboxOverrides, startProviders, type Providers } from './helpers/sandbox-stack.js';

let p: Providers;
let dir: string;
let env: NodeJS.ProcessEnv;
let base: string;
const stop = new AbortController();
let served: Promise<number>;
const logs: string[] = [];
const io = (out: string[] = []): CliIo => ({ stdout: (s) => void out.push(s), stderr: (s) => void logs.push(s), env, stdoutIsTty: false });

beforeAll(async () => {
  p = await startProviders(systemClock);
  dir = await mkdtemp(join(tmpdir(), 'crm-serve-connect-'));
  const config = writeConfigFile({ environments: configEnvironments(sandboxOverrides(p)), insecureHosts: [new URL(p.hubspot.url).host, new URL(p.salesforce.url).host] });
  env = { ...CLIENT_ENV, CRM_MCP_DATA_DIR: dir, CRM_MCP_LOG_LEVEL: 'warn', CRM_MCP_CONFIG: config };
  const out: string[] = [];
  expect(await runCli(['init'], io())).toBe(0);
  served = serve(['--port', '0'], io(out), openRuntime, { stop: stop.signal });
  for (let i = 0; !out.join('').includes('listening'); i++) {
    if (i > 400) throw new Error(`serve did not start: ${logs.join('')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  base = new URL((JSON.parse(out.join('')) as { listening: string }).listening).origin;
}, 60_000);

afterAll(async () => {
  stop.abort();
  await served;
  await p?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('serve mounts /connect/*', () => {
  it('a link from links create → consent → serve\'s callback → active; the new account is served with a fresh MCP token', async () => {
    const out: string[] = [];
    const code = await links(['create', '--tenant', 'tenant-serve', '--integration', 'salesforce', '--environment', ENVIRONMENT, '--base-url', base, '--json'], io(out), openOperatorRuntime);
    expect(code, logs.join('')).toBe(0);
    const link = JSON.parse(out.join('')) as { url: string };
    expect(new URL(link.url).origin).toBe(base);

    const res = await fetch(link.url, { method: 'POST', redirect: 'follow' });
    const body = await res.text();
    expect(res.status, body).toBe(200);
    expect(new URL(res.url).pathname).toBe('/connect/callback');
    expect(new URL(res.url).origin).toBe(base);
    expect(p.salesforce.oauth.stats.byGrantType.authorization_code).toBe(1);

    const accounts = await (async () => {
      const rt = await openOperatorRuntime({}, io());
      try {
        return await rt.accounts.listByTenant('tenant-serve');
      } finally {
        await rt.close();
      }
    })();
    expect(accounts.map((a) => [a.integration, a.status])).toEqual([['salesforce', 'active']]);
    const acct = accounts[0]!;

    const tok: string[] = [];
    expect(await tokensCmd(['create', '--tenant', 'tenant-serve', '--account', acct.id, '--json'], io(tok), openRuntime)).toBe(0);
    const token = (JSON.parse(tok.join('')) as { token: string }).token;
    const client = new Client({ name: 't', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${base}/mcp`), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
    try {
      const r = await client.callTool({ name: 'list_contacts', arguments: { limit: 2 } });
      expect(r.isError, JSON.stringify(r.content)).toBeFalsy();
      expect((r.structuredContent as { contacts: unknown[] }).contacts).toHaveLength(2);
    } finally {
      await client.close();
    }
  });

  it('paths it does not own still answer as before; a bad link is refused by the connect handler, not 404', async () => {
    const bad = await fetch(`${base}/connect/start?link=not-a-link`);
    expect(bad.status).toBeGreaterThanOrEqual(400);
    expect(bad.status).not.toBe(404);
    expect(await bad.text()).not.toContain('not-a-link');
    expect((await fetch(`${base}/nowhere`)).status).toBe(404);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });
});
