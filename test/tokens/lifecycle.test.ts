/**
 * The lifecycle service (src/tokens/lifecycle.ts) is the one place a status change is written,
 * audited and announced. Each path that changes a status — connect/reconnect, refresh, operator
 * retry, import --verify, `accounts create` — is driven through its real entry point here, and
 * each status change leaves exactly one audit entry about it and at most one webhook, the right one.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { LinkedAccount } from '../../src/accounts/model.js';
import { createAuditTrail, type AuditRecord } from '../../src/audit/log.js';
import { accounts } from '../cli/helpers/cli.js';
import { completeConnection } from '../../src/connect/complete.js';
import { tokenFailureReply } from '../../src/sandbox/oauth/index.js';
import { changeStatus } from '../../src/tokens/lifecycle.js';
import { createTokenManager } from '../../src/tokens/manager.js';
import { verifyAccounts } from '../../src/transfer/verify.js';
import { captureIo, memoryOperatorRuntime, scriptedValidator } from '../cli/helpers/operator-runtime.js';
import { tokenFor } from './helpers/calls.js';
import { startTestOAuth } from './helpers/oauth.js';
import { manualClock } from '../helpers/manual-clock.js';
import { memoryStore, oauthAccount, testDeps } from './helpers/setup.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** Records every webhook the moment it is sent: [event, account id, status, reason?]. */
function recordingWebhooks() {
  const sent: Array<[string, string, string, string?]> = [];
  return {
    sent,
    authenticationError: async (a: LinkedAccount, reason: string) => void sent.push(['authentication_error', a.id, a.status, reason]),
    reactivated: async (a: LinkedAccount) => void sent.push(['reactivated', a.id, a.status]),
  };
}

function world() {
  const clock = manualClock();
  const deps = testDeps(clock);
  const { kv, store } = memoryStore(clock);
  const audit = createAuditTrail({ kv, clock, random: deps.random });
  const webhooks = recordingWebhooks();
  const entries = async (id: string) => (await audit.query({ accountId: id })).map((e: AuditRecord) => ({ operation: e.operation, outcome: e.outcome, from: e.details?.from, to: e.details?.to }));
  return { clock, deps, kv, store, audit, webhooks, entries, lifecycle: { accounts: store, clock, logger: deps.logger, audit, webhooks } };
}

describe('changeStatus', () => {
  it('writes status, status_changed_at and last_error in one write; one transition entry; the webhook the transition calls for', async () => {
    const w = world();
    await w.store.put(oauthAccount('a1', { access: 'at', refresh: 'rt', expiresAt: null }));
    await w.clock.advance(5_000);
    const down = await changeStatus(w.lifecycle, 'a1', { actor: 't', decide: () => ({ event: { type: 'auth_revoked', reason: 'gone' } }), error: { code: 'auth_revoked', message: 'grant revoked' } });
    expect(down).toMatchObject({ from: 'active', changed: true, account: { status: 'needs_reauth', status_changed_at: new Date(w.clock.now()).toISOString(), last_error: { code: 'auth_revoked', message: 'grant revoked' } } });
    const up = await changeStatus(w.lifecycle, 'a1', { actor: 't', decide: () => ({ event: { type: 'reauthorized' } }), error: null, reason: 'reconnected' });
    expect(up).toMatchObject({ from: 'needs_reauth', changed: true, account: { status: 'active', last_error: null } });
    // Nothing to write: no entry, no webhook, the account untouched.
    const none = await changeStatus(w.lifecycle, 'a1', { actor: 't', decide: () => undefined, error: { code: 'x', message: 'y' } });
    expect(none).toMatchObject({ changed: false, account: { version: up.account.version, last_error: null } });
    expect(await w.entries('a1')).toEqual([
      { operation: 'transition', outcome: 'success', from: 'active', to: 'needs_reauth' },
      { operation: 'transition', outcome: 'success', from: 'needs_reauth', to: 'active' },
    ]);
    expect(w.webhooks.sent).toEqual([
      ['authentication_error', 'a1', 'needs_reauth', 'grant revoked'],
      ['reactivated', 'a1', 'active'],
    ]);
  });

  it('an illegal event is refused before anything is written', async () => {
    const w = world();
    await w.store.put(oauthAccount('a2', { access: 'at', refresh: 'rt', expiresAt: null }));
    await expect(changeStatus(w.lifecycle, 'a2', { actor: 't', decide: () => ({ event: { type: 'validated' } }) })).rejects.toMatchObject({ code: 'illegal_transition' });
    expect((await w.store.get('a2'))?.version).toBe(1);
    expect(await w.entries('a2')).toEqual([]);
    expect(w.webhooks.sent).toEqual([]);
  });
});

describe('every path changes status through the lifecycle service', () => {
  it('refresh: a dead grant → needs_reauth, one transition entry, one authentication_error; operator retry → active, one transition entry, one reactivated', async () => {
    const w = world();
    const fake = await startTestOAuth({ flavor: 'hubspot' });
    cleanups.push(fake.close);
    const manager = createTokenManager({ deps: w.deps, store: w.store, kv: w.kv, audit: w.audit, webhooks: w.webhooks, resolveRefreshConfig: async () => fake.config() });
    fake.seed('rt_1');
    await w.store.put(oauthAccount('r1', { access: 'at_old', refresh: 'rt_1', expiresAt: w.clock.now() - 1 }));
    const dead = tokenFailureReply('hubspot', 'bad_refresh_token', false);
    fake.provider.faults.inject({ kind: 'status', status: dead.status, json: dead.json }, { count: 2 });

    await expect(tokenFor(manager, w.store, 'r1')).rejects.toMatchObject({ code: 'needs_reauth' });
    await expect(manager.retryRefresh('r1')).rejects.toMatchObject({ code: 'needs_reauth' }); // fails again: no change, nothing sent
    expect((await manager.retryRefresh('r1')).account.status).toBe('active');

    const changes = (await w.entries('r1')).filter((e) => e.operation === 'transition');
    expect(changes).toEqual([
      { operation: 'transition', outcome: 'success', from: 'active', to: 'needs_reauth' },
      { operation: 'transition', outcome: 'success', from: 'needs_reauth', to: 'active' },
    ]);
    expect(w.webhooks.sent).toEqual([
      ['authentication_error', 'r1', 'needs_reauth', expect.stringContaining('invalid_grant')],
      ['reactivated', 'r1', 'active'],
    ]);
    const stored = await w.store.get('r1');
    expect(stored).toMatchObject({ status: 'active', last_error: null, status_changed_at: new Date(w.clock.now()).toISOString() });
  });

  it('connect: a new account connecting → active (one connect entry, no webhook); a reconnect of a needs_reauth one → active (one reconnect entry, one reactivated)', async () => {
    const w = world();
    const deps = { ...w.lifecycle, random: w.deps.random, validator: scriptedValidator(), actor: 'connect-link' };
    const target = { tenant_id: 'tenant-1', integration: 'hubspot', environment: 'production' };
    const token = { access_token: 'at_c', refresh_token: 'rt_c', expires_at: new Date(w.clock.now() + 3_600_000).toISOString() };
    const first = await completeConnection(deps, target, token, {});
    expect(first).toMatchObject({ ok: true, account: { status: 'active' } });
    const id = first.ok ? first.account.id : '';
    await changeStatus(w.lifecycle, id, { actor: 'token-manager', decide: () => ({ event: { type: 'auth_revoked', reason: 'x' } }), error: { code: 'auth_revoked', message: 'x' } });
    w.webhooks.sent.length = 0;

    const again = await completeConnection(deps, { ...target, account_id: id }, { ...token, access_token: 'at_c2' }, {});
    expect(again).toMatchObject({ ok: true, reconnected: true, account: { id, status: 'active', last_error: null } });
    expect((await w.entries(id)).filter((e) => e.operation !== 'transition')).toEqual([
      { operation: 'connect', outcome: 'success', from: 'connecting', to: 'active' },
      { operation: 'reconnect', outcome: 'success', from: 'needs_reauth', to: 'active' },
    ]);
    expect(w.webhooks.sent).toEqual([['reactivated', id, 'active']]);
  });

  it('import --verify: a revoked grant moves an active account to needs_reauth (one verify entry, one authentication_error); a working one brings needs_reauth back (one verify entry, one reactivated)', async () => {
    const w = world();
    await w.store.put(oauthAccount('v1', { access: 'at', refresh: 'rt', expiresAt: null }));
    await w.store.put(oauthAccount('v2', { access: 'at', refresh: 'rt', expiresAt: null, status: 'needs_reauth' }));
    const verifier = scriptedValidator((a) => (a.id === 'v1' ? { ok: false, kind: 'needs_reauth', code: 'invalid_grant', reason: 'provider says the grant is revoked' } : { ok: true }));
    const summary = await verifyAccounts({ ...w.lifecycle, verifier, actor: 'cli' }, ['v1', 'v2']);
    expect(summary).toMatchObject({ active: 1, needs_reauth: 1, failed: 0 });
    expect(await w.entries('v1')).toEqual([{ operation: 'verify', outcome: 'failure', from: 'active', to: 'needs_reauth' }]);
    expect(await w.entries('v2')).toEqual([{ operation: 'verify', outcome: 'success', from: 'needs_reauth', to: 'active' }]);
    expect(w.webhooks.sent).toEqual([
      ['authentication_error', 'v1', 'needs_reauth', 'provider says the grant is revoked'],
      ['reactivated', 'v2', 'active'],
    ]);
    expect(await w.store.get('v1')).toMatchObject({ status: 'needs_reauth', last_error: { code: 'invalid_grant', message: 'provider says the grant is revoked' } });
  });

  it('accounts create: connecting → active or validation_error, one create entry each, no webhook', async () => {
    const base = memoryOperatorRuntime({ verifier: scriptedValidator((a) => (a.id === 'k2' ? { ok: false, kind: 'failed', code: 'unauthorized', reason: 'key rejected (401)' } : { ok: true })) });
    const webhooks = recordingWebhooks();
    const rt = { ...base, webhooks };
    for (const id of ['k1', 'k2']) {
      const io = captureIo({ env: { MY_KEY: 'key-KNOWN-1' } });
      await accounts(['create', '--tenant', 't', '--integration', 'keyed', '--auth-method', 'api_key', '--api-key-env', 'MY_KEY', '--id', id], io, async () => rt);
    }
    const entries = base.auditLog.entries.map((e) => [e.account_id, e.operation, e.outcome, e.details?.from, e.details?.to]);
    expect(entries).toEqual([
      ['k1', 'create', 'success', 'connecting', 'active'],
      ['k2', 'create', 'failure', 'connecting', 'validation_error'],
    ]);
    expect(await rt.accounts.get('k2')).toMatchObject({ status: 'validation_error', last_error: { code: 'unauthorized', message: 'key rejected (401)' } });
    expect(webhooks.sent).toEqual([]);
  });
});
