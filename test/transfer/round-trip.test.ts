/**
 * Export and hand-off against the sandbox fakes, through the production composition: accounts
 * connected by consent are exported, imported into a fresh store and used there with the same
 * tokens; a masked export holds no secret; a hand-off keeps the real scheduler and token
 * manager from refreshing the exported accounts until `accounts resume`.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { accounts } from '../cli/helpers/cli.js';
import type { LinkedAccount } from '../../src/accounts/model.js';
import type { OperatorRuntime } from '../../src/connect/runtime.js';
import { exportAccounts } from '../../src/transfer/export.js';
import { captureIo } from '../cli/helpers/operator-runtime.js';
import { CLIENTS, openStack, startProviders } from '../connect/helpers/sandbox-stack.js';
import { manualClock } from '../helpers/manual-clock.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function run(rt: OperatorRuntime, argv: string[]) {
  const io = captureIo();
  const code = await accounts(argv, io, async () => rt);
  return { code, stdout: io.stdoutText(), stderr: io.stderrText() };
}

async function providers() {
  const clock = manualClock(Date.now());
  const p = await startProviders(clock);
  cleanups.push(p.close);
  const open = async () => {
    const s = await openStack(p, clock);
    cleanups.push(s.close);
    return s;
  };
  return { clock, p, open };
}

const tokenRequests = (p: Awaited<ReturnType<typeof startProviders>>) => p.hubspot.oauth.stats.tokenRequests + p.salesforce.oauth.stats.tokenRequests;

describe('export → import', () => {
  it('into a fresh store: same accounts, tokens usable at the provider without a refresh; a masked export holds no secret', async () => {
    const { p, open } = await providers();
    const src = await open();
    const connected = [await src.connect('hubspot', 't-1'), await src.connect('hubspot', 't-2'), await src.connect('salesforce', 't-3'), await src.connect('salesforce', 't-4')];
    const dir = await mkdtemp(join(tmpdir(), 'crm-export-'));

    const masked = await run(src.rt, ['export', '--out', join(dir, 'masked.json'), '--json']);
    expect(masked.code).toBe(0);
    const maskedText = await readFile(join(dir, 'masked.json'), 'utf8');
    expect(JSON.parse(maskedText)).toHaveLength(4);
    const secrets = [...connected.flatMap((a) => [a.context.oauth!.token.access_token, a.context.oauth!.token.refresh_token!]), CLIENTS.hubspot.clientSecret, CLIENTS.salesforce.clientSecret];
    for (const s of secrets) expect(maskedText + masked.stdout + masked.stderr).not.toContain(s);
    expect((await src.rt.audit.query({ operation: 'export_secrets' })).length).toBe(0);

    const file = join(dir, 'full.json');
    const full = await run(src.rt, ['export', '--include-secrets', '--out', file, '--json']);
    expect(JSON.parse(full.stdout)).toMatchObject({ ok: true, accounts: 4, include_secrets: true });
    expect(full.stdout).not.toContain(connected[0]!.context.oauth!.token.access_token);
    expect((await src.rt.audit.query({ operation: 'export_secrets' })).map((e) => e.account_id).sort()).toEqual(connected.map((a) => a.id).sort());

    const dst = await open();
    const maskedImport = await run(dst.rt, ['import', join(dir, 'masked.json'), '--json']);
    expect(maskedImport.code).toBe(1);
    expect(JSON.parse(maskedImport.stdout).import.invalid.map((x: { error: string }) => x.error)).toEqual(Array(4).fill(expect.stringMatching(/is masked/)));
    expect(await dst.rt.accounts.countByStatus()).toMatchObject({ active: 0 });

    const before = tokenRequests(p);
    const apiBefore = p.hubspot.log.count(/\/crm\/objects\/2026-03\//) + p.salesforce.log.count(/\/services\/data\//);
    const imp = await run(dst.rt, ['import', file, '--verify', '--json']);
    expect(imp.code, imp.stderr).toBe(0);
    expect(JSON.parse(imp.stdout)).toMatchObject({ ok: true, import: { created: 4 }, verify: { active: 4, needs_reauth: 0, failed: 0 } });
    expect(tokenRequests(p)).toBe(before);
    expect(p.hubspot.log.count(/\/crm\/objects\/2026-03\//) + p.salesforce.log.count(/\/services\/data\//)).toBe(apiBefore + 4);

    // Salesforce sends no expires_in: the verify call learned the expiry by introspection and
    // stored it; everything else must be exactly what was exported.
    const learned = (ctx: LinkedAccount['context'], src: LinkedAccount['context']) => {
      const t = ctx.oauth?.token;
      if (!t || src.oauth?.token.expires_at) return ctx;
      expect(Date.parse(t.expires_at ?? '')).toBeGreaterThan(Date.now());
      return { ...ctx, oauth: { token: { ...t, expires_at: src.oauth?.token.expires_at ?? null } } };
    };
    const records = async (rt: OperatorRuntime) => (await exportAccounts({ accounts: rt.accounts, audit: rt.audit, actor: 't' }, { includeSecrets: true, handOff: false })).records;
    const srcRecords = await records(src.rt);
    expect((await records(dst.rt)).map((r, i) => ({ ...r, context: learned(r.context as LinkedAccount['context'], srcRecords[i]!.context as LinkedAccount['context']) }))).toEqual(srcRecords);
    for (const a of connected) {
      const got = await dst.rt.accounts.get(a.id);
      expect(learned(got!.context, a.context)).toEqual(a.context);
      const fake = a.integration === 'hubspot' ? p.hubspot : p.salesforce;
      expect(fake.oauth.isAccessTokenValid(got!.context.oauth!.token.access_token)).toBe(true);
    }
  });
});

describe('export --hand-off with the real scheduler and token manager', () => {
  it('handed-off accounts are not refreshed when due, nor on demand; resume brings them back', async () => {
    const { clock, p, open } = await providers();
    const s = await open();
    const keep = await s.connect('hubspot', 'mine');
    const give = await s.connect('hubspot', 'leaving');
    expect((await s.core.scheduler.upcoming(10)).map((u) => u.account_id).sort()).toEqual([keep.id, give.id].sort());

    const file = join(await mkdtemp(join(tmpdir(), 'crm-handoff-')), 'leaving.json');
    const exp = await run(s.rt, ['export', '--tenant', 'leaving', '--include-secrets', '--hand-off', '--out', file, '--json']);
    expect(JSON.parse(exp.stdout)).toMatchObject({ ok: true, accounts: 1, handed_off: 1 });
    expect(JSON.parse(await readFile(file, 'utf8')).map((r: { id: string; handed_off?: boolean }) => [r.id, r.handed_off])).toEqual([[give.id, undefined]]);
    expect((await s.core.scheduler.upcoming(10)).map((u) => u.account_id)).toEqual([keep.id]);

    await clock.advance(31 * 60_000);
    expect(await s.core.scheduler.tick(clock.now())).toEqual([keep.id]);
    expect(p.hubspot.oauth.stats.byGrantType.refresh_token).toBe(1);
    expect((await s.rt.accounts.get(keep.id))!.context.oauth!.token.access_token).not.toBe(keep.context.oauth!.token.access_token);
    expect((await s.rt.accounts.get(give.id))!.context.oauth!.token).toEqual(give.context.oauth!.token);
    await expect(s.core.tokens.getAccessToken((await s.rt.accounts.get(give.id))!)).rejects.toMatchObject({ code: 'needs_reauth', message: expect.stringMatching(/handed off/) });
    expect(p.hubspot.oauth.stats.byGrantType.refresh_token).toBe(1);

    const resumed = await run(s.rt, ['resume', give.id, '--json']);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ ok: true, resumed: [give.id] });
    expect((await s.core.scheduler.upcoming(10)).map((u) => u.account_id)).toContain(give.id);
    const got = await s.core.tokens.getAccessToken((await s.rt.accounts.get(give.id))!);
    expect(got.accessToken).not.toBe(give.context.oauth!.token.access_token);
    expect(p.hubspot.oauth.isAccessTokenValid(got.accessToken)).toBe(true);

    const ops = (await s.rt.audit.query({ accountId: give.id })).map((e) => e.operation);
    for (const op of ['connect', 'export_secrets', 'resume', 'refresh_success']) expect(ops).toContain(op);
  });
});
