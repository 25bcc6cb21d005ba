import { spawnSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliArgs, ROOT, writeConfigFile } from '../helpers/dist.js';
import { loadedSources, traceImportsArgs } from './helpers/loaded-sources.js';

const cli = (args: string[], env: NodeJS.ProcessEnv = process.env) => spawnSync(process.execPath, cliArgs(...args), { cwd: ROOT, encoding: 'utf8', env: { ...env, NO_COLOR: '1' }, timeout: 60_000 });

describe('operator commands as processes', () => {
  it('import from stdin: JSON on stdout, line errors and one closing reason on stderr, exit 1', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'crm-stdin-'));
    const lines = [
      JSON.stringify({ integration: 'hubspot', tenant_id: 't1', authentication_method: 'oauth2', context: { oauth: { token: { access_token: 'at-KNOWN-1', refresh_token: 'rt-KNOWN-1' } } } }),
      '{"tenant_id": "t2"',
    ].join('\n');
    const r = spawnSync(process.execPath, cliArgs('accounts', 'import', '-', '--json'), { cwd: ROOT, encoding: 'utf8', input: lines, env: { ...process.env, CRM_MCP_DATA_DIR: join(dir, 'data'), NO_COLOR: '1' }, timeout: 60_000 });
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, import: { created: 1, invalid: [{ line: 2 }] } });
    // The first run of the embedded store also announces the key it generated.
    const err = r.stderr.trimEnd().split('\n').filter((l) => !l.includes('generated an encryption key'));
    expect(err).toEqual([expect.stringMatching(/^line 2: not valid JSON/), 'crm-mcp accounts import: 1 invalid record(s) (listed by line above)']);
    expect(r.stdout + r.stderr).not.toContain('KNOWN');
  });

  it('crm-mcp: help exits 0, usage errors exit 2 with one line, before any store is opened', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'crm-spawn-'));
    await writeFile(join(dir, 'x.json'), '[]');
    const help = cli(['accounts', '--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('crm-mcp accounts import');
    const usage = cli(['links', 'create', '--integration', 'hubspot', '--json']);
    expect(usage.status).toBe(2);
    expect(usage.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(JSON.parse(usage.stdout)).toMatchObject({ ok: false, error: { code: 'usage' } });
    const bad = cli(['audit', '--limit', '0']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^crm-mcp audit: --limit/);
  });
});

describe('the binary: usage, help and the global flags', () => {
  it('no arguments: usage on stderr, exit 2; --help: every subcommand on stdout, exit 0; unknown command: exit 2', () => {
    const none = cli([]);
    expect(none.status).toBe(2);
    expect(none.stdout).toBe('');
    expect(none.stderr).toMatch(/^Usage: crm-mcp /);
    const help = cli(['--help']);
    expect(help.status).toBe(0);
    for (const c of ['accounts refresh', 'keys generate', 'keys rotate', 'keys remove', 'tokens create', 'tokens list', 'tokens revoke', 'links create', 'serve', 'stdio', 'demo']) expect(help.stdout).toContain(`  ${c} `);
    const unknown = cli(['frobnicate']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/^crm-mcp: unknown command 'frobnicate'/);
  });

  it('accounts list --data-dir and status --keys-file, which used to be unknown options', async () => {
    const dir = join(await mkdtemp(join(tmpdir(), 'crm-flags-')), 'data');
    expect(cli(['init', '--data-dir', dir]).status).toBe(0);
    const list = cli(['accounts', 'list', '--data-dir', dir, '--json']);
    expect(list.status, list.stderr).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual({ accounts: [], corrupt: [] });
    const st = cli(['--data-dir', dir, 'status', '--keys-file', join(dir, 'keys.json'), '--json']);
    expect(st.status, st.stderr).toBe(0);
    expect(JSON.parse(st.stdout)).toMatchObject({ total: 0 });
  });
});

/** `crm-mcp stdio` on a fresh data dir holding one HubSpot account, `requests` on its stdin, tracing every file it imports. */
async function tracedStdio(requests: unknown[]) {
  const dir = await mkdtemp(join(tmpdir(), 'crm-traced-'));
  const file = join(dir, 'in.ndjson');
  await writeFile(file, JSON.stringify({ id: 'traced-1', integration: 'hubspot', tenant_id: 't', authentication_method: 'oauth2', context: { oauth: { token: { access_token: 'at-1', refresh_token: 'rt-1', expires_at: '2099-01-01T00:00:00Z' } } } }) + '\n');
  expect(cli(['accounts', 'import', file, '--data-dir', join(dir, 'data')]).status).toBe(0);
  const trace = join(dir, 'imports.txt');
  const r = spawnSync(process.execPath, [...traceImportsArgs(trace), ...cliArgs('stdio', '--account', 'traced-1', '--data-dir', join(dir, 'data'))], {
    cwd: ROOT,
    encoding: 'utf8',
    input: requests.map((m) => JSON.stringify(m) + '\n').join(''),
    timeout: 60_000,
  });
  return { r, trace };
}

describe('crm-mcp stdio stays lean', () => {
  it('serving an account over stdio loads no other command, nor the connect flow, the demo or the sandboxes', async () => {
    const init = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } } };
    const { r, trace } = await tracedStdio([init]);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ id: 1, result: { serverInfo: { name: 'crm-mcp' } } });
    const loaded = loadedSources(trace);
    expect(loaded).toContain('src/cli/commands/stdio.ts');
    expect(loaded).toContain('src/mcp/server.ts');
    expect(loaded.filter((m) => /^src\/(cli\/commands\/(?!stdio\.ts)|connect\/(flow|loopback|handler)\.ts|demo\/|sandbox\/)/.test(m))).toEqual([]);
  });
});

describe('crm-mcp stdio loads what tools/list needs before answering it', () => {
  it('after tools/list (a 2025-11-25 session), no HTTP client has loaded: undici loads with the first provider request', async () => {
    const requests = [
      { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x', version: '1' } } },
      { jsonrpc: '2.0', method: 'notifications/initialized' },
      { jsonrpc: '2.0', id: 2, method: 'tools/list' },
    ];
    const { r, trace } = await tracedStdio(requests);
    expect(r.status, r.stderr).toBe(0);
    const answers = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { id: number; result?: { tools?: unknown[] } });
    expect(answers.map((a) => a.id)).toEqual([1, 2]);
    expect(answers[1]!.result?.tools?.length).toBeGreaterThan(0);
    const loaded = loadedSources(trace);
    // The served definition and the account were read (the reasons a start can fail are known by now).
    expect(loaded).toEqual(expect.arrayContaining(['src/integrations/loader.ts', 'src/store/sqlite-kv.ts', 'src/crypto/encrypting-codec.ts']));
    expect(loaded.filter((m) => m.startsWith('node_modules/undici/'))).toEqual([]);
  });
});

describe('crm-mcp connect as a process', () => {
  it('prints the consent URL, receives the loopback callback, validates with the real engine and exits 0 with JSON', async () => {
    const { spawn } = await import('node:child_process');
    const { startFakeSalesforce } = await import('../../src/sandbox/index.js');
    const sf = await startFakeSalesforce({ seed: { accounts: 1, contacts: 2, opportunities: 0, notes: 0, tasks: 0 }, oauth: { clients: [{ clientId: 'sf-client', clientSecret: 'sf-secret-KNOWN' }] } });
    const dir = await mkdtemp(join(tmpdir(), 'crm-connect-'));
    try {
      const config = writeConfigFile({
        environments: { sandbox: { overrides: { salesforce: { auth: { authorize_url: sf.authorizeUrl, token_url: sf.tokenUrl, introspect_url: sf.introspectUrl, revoke_url: sf.revokeUrl } } } } },
        insecureHosts: ['127.0.0.1'],
      });
      const child = spawn(process.execPath, cliArgs('connect', '--integration', 'salesforce', '--environment', 'sandbox', '--port', '0', '--timeout', '30s', '--json', '--config', config), {
        cwd: ROOT,
        env: {
          ...process.env,
          CRM_MCP_DATA_DIR: join(dir, 'data'),
          CRM_MCP_SALESFORCE_CLIENT_ID: 'sf-client',
          CRM_MCP_SALESFORCE_CLIENT_SECRET: 'sf-secret-KNOWN',
        },
      });
      const exited = new Promise<number | null>((r) => child.on('exit', r));
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      const url = await new Promise<string>((resolve, reject) => {
        child.stderr.on('data', (c: Buffer) => {
          stderr += c.toString();
          const m = /(http:\/\/127\.0\.0\.1:\d+\/services\/oauth2\/authorize\S+)/.exec(stderr);
          if (m) resolve(m[1]!);
        });
        child.on('exit', () => reject(new Error(`exited early: ${stderr}`)));
      });
      const page = await fetch(url, { redirect: 'follow' });
      expect(page.status).toBe(200);
      expect(await exited).toBe(0);
      const res = JSON.parse(stdout);
      expect(res).toMatchObject({ ok: true, account: { integration: 'salesforce', status: 'active', environment: 'sandbox', context: { instance_url: sf.url } } });
      const issued = sf.oauth.stats.issuedAccessTokens;
      expect(issued).toHaveLength(1);
      expect(sf.oauth.isAccessTokenValid(issued[0]!)).toBe(true);
      expect(stdout + stderr).not.toContain('sf-secret-KNOWN');
      expect(stdout + stderr).not.toContain(issued[0]!);
      expect(sf.log.count(/\/services\/data\/v\d+\.0\/query/)).toBe(1);

      const env = { ...process.env, CRM_MCP_DATA_DIR: join(dir, 'data'), NO_COLOR: '1' };
      const list = cli(['accounts', 'list', '--json'], env);
      expect(JSON.parse(list.stdout).accounts).toEqual([expect.objectContaining({ id: res.account.id, status: 'active' })]);
      expect(list.stdout).not.toContain(issued[0]!);
    } finally {
      await sf.close();
    }
  });
});

describe('crm-mcp over the real store (SQLite, encrypted)', () => {
  it('import, then list/audit in new processes; secrets encrypted on disk, masked in output', async () => {
    const { readFile: rf, readdir } = await import('node:fs/promises');
    const dir = await mkdtemp(join(tmpdir(), 'crm-real-'));
    const file = join(dir, 'in.ndjson');
    await writeFile(file, JSON.stringify({ id: 'real-1', integration: 'hubspot', tenant_id: 't', authentication_method: 'oauth2', context: { oauth: { token: { access_token: 'at-DISK-KNOWN-123', refresh_token: 'rt-DISK-KNOWN-456', expires_at: '2099-01-01T00:30:00Z' } } } }) + '\n');
    const env = { ...process.env, CRM_MCP_DATA_DIR: join(dir, 'data'), NO_COLOR: '1' };
    const run = (args: string[]) => cli(args, env);
    const imp = run(['accounts', 'import', file, '--json']);
    expect(imp.status, imp.stderr).toBe(0);
    expect(JSON.parse(imp.stdout)).toMatchObject({ ok: true, import: { created: 1 } });
    const list = run(['accounts', 'list', '--json']);
    expect(list.status, list.stderr).toBe(0);
    expect(JSON.parse(list.stdout).accounts[0]).toMatchObject({ id: 'real-1', context: { oauth: { token: { access_token: '****-123' } } } });
    const aud = run(['audit', '--operation', 'import_account', '--json']);
    expect(JSON.parse(aud.stdout).entries).toEqual([expect.objectContaining({ account_id: 'real-1', operation: 'import_account' })]);
    // A CLI process has no refresh schedule of its own (that is serve's): status derives it from expiry.
    const st = run(['status', '--json']);
    expect(JSON.parse(st.stdout)).toMatchObject({ total: 1, counts: { active: 1 }, next_refreshes_source: 'expiry', next_refreshes: [{ account_id: 'real-1', at: '2099-01-01T00:27:00.000Z' }] });
    const missing = run(['accounts', 'show', 'nope', '--json']);
    expect(missing.status).toBe(3);
    for (const f of await readdir(join(dir, 'data'))) {
      const raw = await rf(join(dir, 'data', f));
      expect(raw.includes('at-DISK-KNOWN-123')).toBe(false);
      expect(raw.includes('rt-DISK-KNOWN-456')).toBe(false);
    }
    for (const out of [imp, list, aud, st]) expect(out.stdout + out.stderr).not.toMatch(/DISK-KNOWN-(123|456)/);
  });
});
