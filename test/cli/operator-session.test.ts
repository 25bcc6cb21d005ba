/**
 * One operator session over the production composition and the sandbox fakes: every operator
 * command answers `--json` that parses, every failure exits non-zero with exactly one stderr
 * line (and `{"ok":false,...}` on stdout), and every credential operation of the session can be
 * read back with `crm-mcp audit`. No secret reaches any of that output.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { accounts, audit, connect, links, status } from './helpers/cli.js';
import type { CliIo } from '../../src/cli/io.js';
import type { OperatorRuntime } from '../../src/connect/runtime.js';
import { CLIENTS, ENVIRONMENT, startSandboxStack } from '../connect/helpers/sandbox-stack.js';
import { captureIo } from './helpers/operator-runtime.js';

type Cmd = (argv: string[], io: CliIo, open: () => Promise<OperatorRuntime>) => Promise<number>;

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

describe('an operator session', () => {
  it('--json parses for every command, failures exit non-zero with one line, credential operations are audited', async () => {
    const { clock, p, s } = await startSandboxStack(cleanups);
    const base = await s.serveConnect();
    const outputs: string[] = [];
    const exec = async (cmd: Cmd, argv: string[], over: Partial<CliIo> = {}) => {
      const io = captureIo(over);
      const code = await cmd(argv, io, async () => s.rt);
      outputs.push(io.stdoutText(), io.stderrText());
      return { code, stdout: io.stdoutText(), stderr: io.stderrText() };
    };
    const ok = async (cmd: Cmd, argv: string[]) => {
      const r = await exec(cmd, [...argv, '--json']);
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as Record<string, unknown>;
    };
    const env = ['--environment', ENVIRONMENT];

    const link = await ok(links, ['create', '--tenant', 't-link', '--integration', 'hubspot', ...env, '--base-url', base]);
    expect((await fetch(link.url as string, { method: 'POST', redirect: 'follow' })).status).toBe(200);
    const [linked] = await s.rt.accounts.listByTenant('t-link');

    const dir = await mkdtemp(join(tmpdir(), 'crm-session-'));
    const expired = p.salesforce.oauth.seedGrant({ expired: true });
    const valid = p.hubspot.oauth.seedGrant();
    const importFile = join(dir, 'in.ndjson');
    await writeFile(
      importFile,
      [
        { integration: 'salesforce', tenant_id: 't-imp', environment: ENVIRONMENT, authentication_method: 'oauth2', context: { instance_url: p.salesforce.url, oauth: { token: { access_token: expired.accessToken, refresh_token: expired.refreshToken, expires_at: new Date(expired.expiresAt).toISOString() } } } },
        { integration: 'hubspot', tenant_id: 't-imp', environment: ENVIRONMENT, authentication_method: 'oauth2', context: { oauth: { token: { access_token: valid.accessToken, refresh_token: valid.refreshToken, expires_at: new Date(valid.expiresAt).toISOString() } } } },
      ]
        .map((r) => JSON.stringify(r))
        .join('\n'),
    );
    expect(await ok(accounts, ['import', importFile, '--verify'])).toMatchObject({ ok: true, import: { created: 2 }, verify: { active: 2 } });
    const imported = await s.rt.accounts.listByTenant('t-imp');
    expect((await ok(accounts, ['list'])).accounts).toHaveLength(3);
    expect(await ok(accounts, ['show', linked!.id])).toMatchObject({ id: linked!.id, status: 'active' });
    expect(await ok(accounts, ['export', '--tenant', 't-imp', '--include-secrets', '--hand-off', '--out', join(dir, 'out.json')])).toMatchObject({ accounts: 2, handed_off: 2 });
    expect(((await ok(accounts, ['resume', '--all'])).resumed as string[]).sort()).toEqual(imported.map((a) => a.id).sort());

    await s.rt.accounts.update(linked!.id, (a) => ({ ...a, status: 'needs_reauth', last_error: { code: 'invalid_grant', message: 'refresh token is invalid, expired or revoked', at: new Date(clock.now()).toISOString() } }));
    await clock.advance(8 * 86400e3);
    const st = await ok(status, []);
    expect(st).toMatchObject({ total: 3, counts: { active: 2, needs_reauth: 1 }, stale_needs_reauth: [{ id: linked!.id, days: 8 }], next_refreshes_source: 'scheduler' });
    // The refresh scheduler (serve's, here in-process) has the two imported accounts; the needs_reauth one left it.
    expect((st.next_refreshes as Array<{ account_id: string }>).map((n) => n.account_id).sort()).toEqual(imported.map((a) => a.id).sort());
    const relink = await ok(links, ['create', '--tenant', 't-link', '--integration', 'hubspot', ...env, '--account', linked!.id, '--base-url', base]);
    expect((await fetch(relink.url as string, { method: 'POST', redirect: 'follow' })).status).toBe(200);
    expect(await ok(accounts, ['delete', imported[0]!.id])).toMatchObject({ deleted: true, revoked: true });

    const trail = (await ok(audit, ['--limit', '1000'])).entries as Array<{ operation: string; outcome: string; account_id?: string }>;
    const ops = new Set(trail.map((e) => e.operation));
    for (const op of ['link_create', 'connect', 'import', 'import_account', 'verify', 'refresh_success', 'export_secrets', 'resume', 'reconnect', 'delete']) expect(ops, op).toContain(op);
    expect(trail.filter((e) => e.operation === 'refresh_success').map((e) => e.account_id)).toEqual([imported.find((a) => a.integration === 'salesforce')!.id]);
    expect((await ok(audit, ['--operation', 'reconnect', '--account', linked!.id])).entries).toHaveLength(1);

    const failures: Array<[Cmd, string[], number, RegExp, Partial<CliIo>?]> = [
      [accounts, ['show', 'nope'], 3, /^crm-mcp accounts show: no account 'nope'$/],
      [accounts, ['delete', 'nope'], 3, /no account 'nope'/],
      [accounts, ['import', join(dir, 'missing.json')], 3, /no such file/],
      [accounts, ['import', importFile, '--concurrency', '0'], 2, /--concurrency/],
      [accounts, ['export', '--include-secrets'], 2, /refuses to write to a terminal/, { stdoutIsTty: true }],
      [accounts, ['resume'], 2, /ids or --all/],
      [accounts, ['list', '--status', 'weird'], 2, /--status must be one of/],
      [accounts, ['create', '--tenant', 't', '--integration', 'salesforce', '--auth-method', 'api_key', '--api-key-env', 'K'], 2, /does not support api_key/, { env: { K: 'key' } }],
      [accounts, ['frobnicate'], 2, /unknown subcommand/],
      [links, ['create', '--integration', 'hubspot'], 2, /--tenant and --integration are required/],
      [links, ['create', '--tenant', 't', '--integration', 'nope', '--base-url', base], 3, /unknown integration/],
      [links, ['create', '--tenant', 't', '--integration', 'hubspot', ...env, '--expires-in', '90d', '--base-url', base], 2, /at most 30d/],
      [links, ['create', '--tenant', 't', '--integration', 'hubspot', ...env], 2, /no public URL/],
      [connect, [], 2, /--integration is required/],
      [connect, ['--integration', 'hubspot', '--port', '99999'], 2, /--port/],
      [connect, ['--integration', 'hubspot', '--environment', 'production', '--port', '0'], 1, /no OAuth client configured for integration 'hubspot' \(environment 'production'\)/],
      [status, ['--next', '-1'], 2, /--next/],
      [audit, ['--limit', '0'], 2, /--limit/],
      [audit, ['--since', 'last tuesday'], 2, /--since/],
    ];
    for (const [cmd, argv, code, pattern, over] of failures) {
      const r = await exec(cmd, [...argv, '--json'], over);
      const label = argv.join(' ');
      expect(r.code, label).toBe(code);
      expect(r.stderr.trimEnd().split('\n'), label).toEqual([expect.stringMatching(pattern)]);
      expect(JSON.parse(r.stdout), label).toMatchObject({ ok: false, error: { code: expect.any(String), message: expect.any(String) } });
    }

    const secrets = [CLIENTS.hubspot.clientSecret, CLIENTS.salesforce.clientSecret, expired.accessToken, expired.refreshToken!, valid.accessToken, valid.refreshToken!];
    for (const a of [...(await s.rt.accounts.listByTenant('t-link')), ...(await s.rt.accounts.listByTenant('t-imp'))]) secrets.push(a.context.oauth!.token.access_token, a.context.oauth!.token.refresh_token!);
    const text = outputs.join('\n') + JSON.stringify(trail) + s.logger.lines.join('\n');
    for (const secret of secrets) expect(text).not.toContain(secret);
  });
});
