import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { accounts, audit, connect, links, status } from './helpers/cli.js';
import type { CliIo } from '../../src/cli/io.js';
import type { OperatorRuntime } from '../../src/connect/runtime.js';
import { captureIo, memoryOperatorRuntime, oauthAccount, scriptedValidator, type TestRuntime } from './helpers/operator-runtime.js';

type Cmd = (argv: string[], io: CliIo, open: (f: unknown, io: CliIo) => Promise<OperatorRuntime>) => Promise<number>;

async function exec(cmd: Cmd, rt: TestRuntime, argv: string[], over: Partial<CliIo> = {}) {
  const io = captureIo(over);
  const code = await cmd(argv, io, async () => rt);
  return { code, stdout: io.stdoutText(), stderr: io.stderrText() };
}

/** Every failure: non-zero, exactly one stderr line; with --json, stdout is one parseable object. */
function expectFailure(r: { code: number; stdout: string; stderr: string }, code: number, pattern: RegExp) {
  expect(r.code).toBe(code);
  expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(r.stderr).toMatch(pattern);
  if (r.stdout) expect(JSON.parse(r.stdout)).toMatchObject({ ok: false });
}

describe('operator commands in-process', () => {
  it('accounts list/show mask secrets; show of a missing account exits 3', async () => {
    const rt = memoryOperatorRuntime();
    await rt.accounts.put(oauthAccount({ id: 'a1' }));
    await rt.accounts.put(oauthAccount({ id: 'a2', tenant_id: 'tenant-b', status: 'needs_reauth' }));
    const list = await exec(accounts, rt, ['list', '--json']);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout).accounts.map((a: { id: string }) => a.id)).toEqual(['a1', 'a2']);
    const byTenant = await exec(accounts, rt, ['list', '--tenant', 'tenant-b', '--json']);
    expect(JSON.parse(byTenant.stdout).accounts).toHaveLength(1);
    const show = await exec(accounts, rt, ['show', 'a1', '--json']);
    expect(JSON.parse(show.stdout).context.oauth.token.access_token).toBe('****3456');
    const text = await exec(accounts, rt, ['show', 'a1']);
    for (const out of [list.stdout, show.stdout, text.stdout]) {
      expect(out).not.toContain('at-SECRET-123456');
      expect(out).not.toContain('rt-SECRET-abcdef');
    }
    expectFailure(await exec(accounts, rt, ['show', 'nope', '--json']), 3, /no account 'nope'/);
    expectFailure(await exec(accounts, rt, ['show']), 2, /exactly one account id/);
    expectFailure(await exec(accounts, rt, ['list', '--status', 'weird']), 2, /--status/);
    expectFailure(await exec(accounts, rt, ['frobnicate']), 2, /unknown subcommand/);
    expectFailure(await exec(accounts, rt, ['list', '--bogus']), 2, /bogus/);
    await rt.kv.set('acct:broken', '{not json');
    const partial = await exec(accounts, rt, ['list', '--json']);
    expect(partial.code).toBe(1);
    expect(JSON.parse(partial.stdout)).toMatchObject({ corrupt: ['broken'] });
    expect(partial.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(/1 account\(s\) unreadable .*: broken$/)]);
  });

  it('accounts create: api_key from an env var (never argv), validation decides the status', async () => {
    const rt = memoryOperatorRuntime({ verifier: scriptedValidator((a) => (a.tenant_id === 'bad' ? { ok: false, kind: 'failed', code: 'unauthorized', reason: 'key rejected (401)' } : { ok: true })) });
    const ok = await exec(accounts, rt, ['create', '--tenant', 't1', '--integration', 'keyed', '--auth-method', 'api_key', '--api-key-env', 'MY_KEY', '--id', 'k1', '--json'], { env: { MY_KEY: 'key-KNOWN-987654' } });
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true, account: { id: 'k1', status: 'active', context: { api_key: '****7654' } } });
    expect((await rt.accounts.get('k1'))!.context.api_key).toBe('key-KNOWN-987654');
    const stdin = await exec(accounts, rt, ['create', '--tenant', 'bad', '--integration', 'keyed', '--auth-method', 'api_key', '--api-key-stdin', '--id', 'k2', '--json'], { stdin: Readable.from(['key-2\n']) });
    expect(stdin.code).toBe(1);
    expect(JSON.parse(stdin.stdout)).toMatchObject({ ok: false, account: { status: 'validation_error' } });
    expect(stdin.stderr.trimEnd().split('\n')).toHaveLength(1);
    expectFailure(await exec(accounts, rt, ['create', '--tenant', 't', '--integration', 'keyed', '--auth-method', 'api_key', '--json']), 2, /exactly one of --api-key-env/);
    expectFailure(await exec(accounts, rt, ['create', '--tenant', 't', '--integration', 'hubspot', '--auth-method', 'api_key', '--api-key-env', 'MY_KEY'], { env: { MY_KEY: 'x' } }), 2, /does not support api_key/);
    expectFailure(await exec(accounts, rt, ['create', '--tenant', 't', '--integration', 'nope', '--auth-method', 'api_key', '--api-key-env', 'MY_KEY'], { env: { MY_KEY: 'x' } }), 3, /unknown integration/);
    expectFailure(await exec(accounts, rt, ['create', '--tenant', 't', '--integration', 'salesforce', '--auth-method', 'oauth2_client_credentials', '--json']), 1, /no OAuth client configured for integration 'salesforce'/);
    const ops = rt.auditLog.entries.map((e) => `${e.operation}:${e.outcome}:${e.account_id}`);
    expect(ops).toEqual(['create:success:k1', 'create:failure:k2']);
  });

  it('import → export (--include-secrets refuses a terminal; file is 0600) → resume; delete revokes then removes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'crm-cli-'));
    const rt = memoryOperatorRuntime();
    const file = join(dir, 'in.ndjson');
    const rec = (i: number) => JSON.stringify({ id: `imp-${i}`, integration: 'hubspot', tenant_id: 't', authentication_method: 'oauth2', context: { oauth: { token: { access_token: `at-KNOWN-${i}`, refresh_token: `rt-KNOWN-${i}` } } } });
    await writeFile(file, [rec(1), rec(2), '{nope'].join('\n'));
    const imp = await exec(accounts, rt, ['import', file, '--json']);
    expect(imp.code).toBe(1);
    expect(JSON.parse(imp.stdout)).toMatchObject({ ok: false, import: { created: 2, invalid: [{ line: 3 }] } });
    expect(imp.stderr).toMatch(/^line 3: not valid JSON/m);
    expect(imp.stderr.trimEnd().split('\n').at(-1)).toMatch(/1 invalid record/);
    expectFailure(await exec(accounts, rt, ['import', join(dir, 'missing.json'), '--json']), 3, /no such file/);

    expectFailure(await exec(accounts, rt, ['export', '--include-secrets'], { stdoutIsTty: true }), 2, /refuses to write to a terminal/);
    const masked = await exec(accounts, rt, ['export', '--json'], { stdoutIsTty: true });
    expect(masked.code).toBe(0);
    expect(masked.stdout).not.toMatch(/KNOWN/);
    expect(JSON.parse(masked.stdout)).toHaveLength(2);

    const out = join(dir, 'out.json');
    const exp = await exec(accounts, rt, ['export', '--include-secrets', '--hand-off', '--out', out, '--json'], { stdoutIsTty: true });
    expect(exp.code).toBe(0);
    expect(JSON.parse(exp.stdout)).toMatchObject({ ok: true, accounts: 2, handed_off: 2 });
    expect((await stat(out)).mode & 0o777).toBe(0o600);
    expect(await readFile(out, 'utf8')).toContain('rt-KNOWN-1');
    expect((await rt.accounts.get('imp-1'))!.handed_off).toBe(true);
    expect(rt.scheduled.slice(0, 2).sort()).toEqual(['stored:imp-1', 'stored:imp-2']);
    expect(rt.scheduled.slice(2)).toEqual(['forget:imp-1', 'forget:imp-2']);

    const resume = await exec(accounts, rt, ['resume', '--all', '--json']);
    expect(JSON.parse(resume.stdout)).toMatchObject({ ok: true, resumed: ['imp-1', 'imp-2'] });
    expect((await rt.accounts.get('imp-1'))!.handed_off).toBe(false);
    expect(rt.scheduled.slice(4)).toEqual(['stored:imp-1', 'stored:imp-2']);
    expectFailure(await exec(accounts, rt, ['resume', 'ghost', '--json']), 3, /no account 'ghost'/);
    expectFailure(await exec(accounts, rt, ['resume']), 2, /ids or --all/);

    const del = await exec(accounts, rt, ['delete', 'imp-1', '--json']);
    expect(JSON.parse(del.stdout)).toMatchObject({ ok: true, deleted: true, revoked: true });
    expect(rt.revoked).toEqual(['imp-1']);
    expect(await rt.accounts.get('imp-1')).toBeUndefined();
    expectFailure(await exec(accounts, rt, ['delete', 'imp-1', '--json']), 3, /no account/);

    const ops = new Set(rt.auditLog.entries.map((e) => e.operation));
    for (const op of ['import', 'import_account', 'export', 'export_secrets', 'resume', 'delete']) expect(ops).toContain(op);
    expect(JSON.stringify(rt.auditLog.entries)).not.toMatch(/KNOWN/);
  });

  it('delete keeps the account when revocation fails, unless --force', async () => {
    const rt = memoryOperatorRuntime({ revoke: () => ({ attempted: true, ok: false, reason: 'revocation refused by the provider: http_503' }) });
    await rt.accounts.put(oauthAccount({ id: 'd1' }));
    expectFailure(await exec(accounts, rt, ['delete', 'd1', '--json']), 1, /http_503; account kept/);
    expect(await rt.accounts.get('d1')).toBeDefined();
    const forced = await exec(accounts, rt, ['delete', 'd1', '--force', '--json']);
    expect(JSON.parse(forced.stdout)).toMatchObject({ deleted: true, revoked: false });
    expect(rt.auditLog.entries.map((e) => `${e.operation}:${e.outcome}`)).toEqual(['delete:failure', 'delete:success']);
  });

  it('status counts states, lists needs_reauth older than 7 days, and upcoming refresh windows', async () => {
    const rt = memoryOperatorRuntime();
    await rt.accounts.put(oauthAccount({ id: 'fresh' }));
    await rt.accounts.put(oauthAccount({ id: 'old', status: 'active' }));
    await rt.accounts.update('old', (a) => ({ ...a, status: 'needs_reauth', last_error: { code: 'invalid_grant', message: 'refresh token is invalid, expired or revoked', at: '2026-01-01T00:00:00.000Z' } }));
    await rt.clock.advance(8 * 86400e3);
    await rt.accounts.put(oauthAccount({ id: 'new-reauth', status: 'active' }));
    await rt.accounts.update('new-reauth', (a) => ({ ...a, status: 'needs_reauth' }));
    const r = await exec(status, rt, ['--json']);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.counts).toMatchObject({ active: 1, needs_reauth: 2 });
    expect(s.stale_needs_reauth.map((x: { id: string }) => x.id)).toEqual(['old']);
    expect(s.stale_needs_reauth[0]).toMatchObject({ days: 8, reason: 'refresh token is invalid, expired or revoked' });
    expect(s.next_refreshes).toEqual([{ account_id: 'fresh', at: '2026-01-01T00:27:00.000Z', expires_at: '2026-01-01T00:30:00.000Z' }]);
    expectFailure(await exec(status, rt, ['--stale-after', 'soon']), 2, /--stale-after/);
  });

  it('status lists active accounts whose refresh fails for their OAuth client (retried slowly, never dropped)', async () => {
    const rt = memoryOperatorRuntime();
    await rt.accounts.put(oauthAccount({ id: 'ok' }));
    await rt.accounts.put({ ...oauthAccount({ id: 'bad-client' }), last_error: { code: 'oauth_client_misconfigured', message: "the OAuth client 'hubspot' was rejected (invalid_client)", at: '2026-01-01T00:00:00.000Z' } });
    const s = JSON.parse((await exec(status, rt, ['--json'])).stdout);
    expect(s.refresh_failing).toEqual([{ id: 'bad-client', integration: 'hubspot', since: '2026-01-01T00:00:00.000Z', reason: "the OAuth client 'hubspot' was rejected (invalid_client)" }]);
    expect((await exec(status, rt, [])).stdout).toContain('active, refresh failing (OAuth client): 1');
  });

  it('audit filters by account, tenant, operation and time', async () => {
    const rt = memoryOperatorRuntime();
    await rt.audit.append({ operation: 'import_account', outcome: 'success', actor: 'cli', tenant_id: 't1', account_id: 'a' });
    await rt.clock.advance(3600e3);
    await rt.audit.append({ operation: 'delete', outcome: 'success', actor: 'cli', tenant_id: 't2', account_id: 'b' });
    const all = JSON.parse((await exec(audit, rt, ['--json'])).stdout).entries;
    expect(all).toHaveLength(2);
    const q = async (...a: string[]) => JSON.parse((await exec(audit, rt, [...a, '--json'])).stdout).entries.map((e: { account_id: string }) => e.account_id);
    expect(await q('--account', 'a')).toEqual(['a']);
    expect(await q('--tenant', 't2')).toEqual(['b']);
    expect(await q('--operation', 'delete')).toEqual(['b']);
    expect(await q('--since', '30m')).toEqual(['b']);
    expect(await q('--until', '2026-01-01T00:30:00Z')).toEqual(['a']);
    expectFailure(await exec(audit, rt, ['--since', 'yesterday-ish', '--json']), 2, /--since/);
  });

  it('links create prints a URL without the tenant; bad flags and unknown targets fail with one line', async () => {
    const spec = { integration: 'hubspot', authorizeUrl: 'https://app.hubspot.com/oauth/authorize', tokenUrl: 'https://api.hubapi.com/oauth/v3/token', pkce: false, scopes: ['crm.objects.contacts.read'], scopeSeparator: ' ', clientAuth: 'client_secret_post' as const, contextCapture: [] };
    const rt = memoryOperatorRuntime({ specs: { hubspot: spec }, publicBaseUrl: 'https://crm.example.com' });
    const l = await exec(links, rt, ['create', '--tenant', 'tenant-hidden', '--integration', 'hubspot', '--expires-in', '2h', '--json']);
    expect(l.code).toBe(0);
    const link = JSON.parse(l.stdout);
    expect(link.url).toMatch(/^https:\/\/crm\.example\.com\/connect\/start\?link=lnk_/);
    expect(link.url).not.toContain('tenant-hidden');
    expect(Date.parse(link.expires_at) - rt.clock.now()).toBe(2 * 3600e3);
    expectFailure(await exec(links, rt, ['create', '--integration', 'hubspot', '--json']), 2, /--tenant and --integration/);
    expectFailure(await exec(links, rt, ['create', '--tenant', 't', '--integration', 'nope', '--json']), 3, /unknown integration/);
    expectFailure(await exec(links, rt, ['create', '--tenant', 't', '--integration', 'hubspot', '--account', 'ghost', '--json']), 3, /no hubspot account 'ghost'/);
    expectFailure(await exec(links, rt, ['create', '--tenant', 't', '--integration', 'hubspot', '--expires-in', '90d']), 2, /at most 30d/);
    expectFailure(await exec(links, memoryOperatorRuntime({ specs: { hubspot: spec } }), ['create', '--tenant', 't', '--integration', 'hubspot', '--json']), 2, /no public URL/);
  });

  it('connect with a missing client configuration fails with one line naming the integration', async () => {
    const rt = memoryOperatorRuntime({ env: {}, specs: { hubspot: { integration: 'hubspot', authorizeUrl: 'http://127.0.0.1:9/a', tokenUrl: 'http://127.0.0.1:9/t', pkce: false, scopes: [], scopeSeparator: ' ', clientAuth: 'client_secret_post', contextCapture: [] } } });
    expectFailure(await exec(connect, rt, ['--integration', 'hubspot', '--port', '0', '--json']), 1, /no OAuth client configured for integration 'hubspot'/);
    expectFailure(await exec(connect, rt, ['--json']), 2, /--integration is required/);
  });
});
