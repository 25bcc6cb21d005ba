/**
 * HubSpot private-app tokens (and service keys): the shipped definition accepts the `api_key`
 * method beside OAuth, so `accounts create --integration hubspot --auth-method api_key` works, as
 * the published CLI runs it, against the HubSpot fake; the account then serves tools over stdio
 * with the key as its Bearer credential, and a key HubSpot refuses leaves validation_error.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import type { CallToolResult } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeHubSpot, type FakeHubSpot } from '../../src/sandbox/index.js';
import { cliArgs, configEnvironments, ROOT, writeConfigFile } from '../helpers/dist.js';

const run = promisify(execFile);
const PRIVATE_APP_TOKEN = 'pat-na1-11111111-2222-3333-4444-555555555555';
let hs: FakeHubSpot;
let env: Record<string, string>;

beforeAll(async () => {
  hs = await startFakeHubSpot({ seed: { contacts: 7, companies: 1, deals: 1, notes: 0 }, privateAppToken: PRIVATE_APP_TOKEN, rateLimit: { dailyMax: 250_000 } });
  const config = writeConfigFile({ environments: configEnvironments({ sandbox: { hubspot: { base_url: hs.url } } }), insecureHosts: [new URL(hs.url).host] });
  env = {
    ...(process.env as Record<string, string>),
    CRM_MCP_CONFIG: config,
    CRM_MCP_DATA_DIR: mkdtempSync(join(tmpdir(), 'crm-mcp-apikey-')),
    HS_PRIVATE_APP_TOKEN: PRIVATE_APP_TOKEN,
    HS_WRONG_TOKEN: 'pat-na1-wrong',
  };
});
afterAll(() => hs.close());

const cli = async (...args: string[]) => {
  try {
    const r = await run(process.execPath, cliArgs(...args), { cwd: ROOT, env });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
};

describe('HubSpot with a private-app token (api_key)', () => {
  it('crm-mcp accounts create --integration hubspot --auth-method api_key validates against HubSpot and stores an active account; its tools work over stdio', async () => {
    const created = await cli('accounts', 'create', '--tenant', 'acme', '--integration', 'hubspot', '--auth-method', 'api_key', '--api-key-env', 'HS_PRIVATE_APP_TOKEN', '--environment', 'sandbox', '--id', 'hs-pat', '--json');
    expect(created.code, created.stderr).toBe(0);
    const out = JSON.parse(created.stdout) as { ok: boolean; account: { status: string; authentication_method: string; context: Record<string, unknown> } };
    expect(out).toMatchObject({ ok: true, account: { status: 'active', authentication_method: 'api_key' } });
    expect(created.stdout).not.toContain(PRIVATE_APP_TOKEN);
    expect(hs.log.entries.filter((e) => e.path.startsWith('/crm/')).every((e) => e.status === 200)).toBe(true);
    expect(hs.oauth.stats.tokenRequests).toBe(0);

    const client = new Client({ name: 'api-key-test', version: '1' });
    await client.connect(new StdioClientTransport({ command: process.execPath, args: cliArgs('stdio', '--account', 'hs-pat'), cwd: ROOT, env, stderr: 'pipe' }));
    try {
      const r = (await client.callTool({ name: 'list_contacts', arguments: { limit: 100 } })) as CallToolResult;
      expect(r.isError).toBeFalsy();
      const sc = r.structuredContent as { contacts: unknown[]; rate_limit: { limit: number } };
      expect(sc.contacts).toHaveLength(7);
      // A private app also gets HubSpot's daily budget headers: both policies are reported, the tighter one on top.
      expect((r._meta as Record<string, string>).ratelimit).toMatch(/"TEN_SECONDLY_ROLLING";r=\d+;t=10, "DAILY";r=\d+/);
    } finally {
      await client.close();
    }
    expect(hs.oauth.stats.tokenRequests).toBe(0);
  }, 60_000);

  it('a token HubSpot refuses is stored as validation_error with exit 1, and no secret is printed', async () => {
    const r = await cli('accounts', 'create', '--tenant', 'acme', '--integration', 'hubspot', '--auth-method', 'api_key', '--api-key-env', 'HS_WRONG_TOKEN', '--environment', 'sandbox', '--id', 'hs-bad', '--json');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, account: { id: 'hs-bad', status: 'validation_error' } });
    expect(r.stdout + r.stderr).not.toContain('pat-na1-wrong');
  }, 30_000);
});
