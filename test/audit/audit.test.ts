import { describe, expect, it } from 'vitest';
import { AUDIT_PREFIX, createAuditTrail } from '../../src/audit/log.js';
import { cryptoRandom } from '../../src/core/deps.js';
import { createMemoryKv } from '../helpers/memory-kv.js';
import { manualClock } from '../helpers/manual-clock.js';

describe('audit trail', () => {
  it('appends time-ordered entries under audit: and filters by account, tenant, operation and time', async () => {
    const clock = manualClock(Date.parse('2026-11-23T00:00:00Z'));
    const kv = createMemoryKv(clock);
    const audit = createAuditTrail({ kv, clock, random: cryptoRandom });
    await audit.append({ operation: 'create', outcome: 'success', actor: 'cli', tenant_id: 't1', account_id: 'a1' });
    await clock.advance(1000);
    await audit.append({ operation: 'refresh_failure', outcome: 'failure', actor: 'token-manager', tenant_id: 't1', account_id: 'a1', details: { kind: 'transient' } });
    await clock.advance(1000);
    await audit.append({ operation: 'refresh_success', outcome: 'success', actor: 'token-manager', tenant_id: 't2', account_id: 'a2' });
    const all = await audit.query();
    expect(all.map((e) => e.operation)).toEqual(['create', 'refresh_failure', 'refresh_success']);
    expect(all[0]!.time).toBe('2026-11-23T00:00:00.000Z');
    expect((await audit.query({ accountId: 'a1' })).length).toBe(2);
    expect((await audit.query({ tenantId: 't2' })).map((e) => e.account_id)).toEqual(['a2']);
    expect((await audit.query({ operation: 'refresh_failure' })).length).toBe(1);
    expect((await audit.query({ since: Date.parse('2026-11-23T00:00:01Z') })).length).toBe(2);
    expect((await audit.query({ until: Date.parse('2026-11-23T00:00:01Z') })).length).toBe(2);
    expect((await audit.query({ limit: 1 })).map((e) => e.operation)).toEqual(['refresh_success']);
    const keys: string[] = [];
    for await (const [k] of kv.scan(AUDIT_PREFIX)) keys.push(k);
    expect(keys).toHaveLength(3);
  });

  it('entries written in the same millisecond come back in the order they were written', async () => {
    const clock = manualClock(Date.parse('2026-11-23T00:00:00Z'));
    const audit = createAuditTrail({ kv: createMemoryKv(clock), clock, random: cryptoRandom });
    const ops = Array.from({ length: 50 }, (_, i) => `op-${i}`);
    for (const operation of ops) await audit.append({ operation, outcome: 'success', actor: 't' });
    expect((await audit.query()).map((e) => e.operation)).toEqual(ops);
  });
});

describe('audit retention', () => {
  /** Routine refreshes, failures and status changes, one a minute for `n` minutes. */
  async function fill(audit: ReturnType<typeof createAuditTrail>, clock: ReturnType<typeof manualClock>, n: number) {
    for (let i = 0; i < n; i++) {
      await audit.append({ operation: 'refresh_success', outcome: 'success', actor: 'token-manager', account_id: 'a1', details: { rotated: false } });
      if (i % 10 === 0) await audit.append({ operation: 'refresh_failure', outcome: 'failure', actor: 'token-manager', account_id: 'a1', details: { kind: 'transient' } });
      if (i % 25 === 0) await audit.append({ operation: 'transition', outcome: 'success', actor: 'token-manager', account_id: 'a1', details: { from: 'active', to: 'needs_reauth' } });
      if (i % 25 === 0) await audit.append({ operation: 'connect', outcome: 'success', actor: 'cli', account_id: 'a1', details: { from: 'connecting', to: 'connecting' } });
      await clock.advance(60_000);
    }
  }
  const count = async (audit: ReturnType<typeof createAuditTrail>) => {
    const all = await audit.query();
    const by = (op: string) => all.filter((e) => e.operation === op).length;
    return { refresh_success: by('refresh_success'), refresh_failure: by('refresh_failure'), transition: by('transition'), connect: by('connect') };
  };

  it('routine entries older than the age limit go, and only the newest routine entries up to the count limit stay; failures and status changes are all kept', async () => {
    const clock = manualClock(Date.parse('2026-11-23T00:00:00Z'));
    const kv = createMemoryKv(clock);
    const audit = createAuditTrail({ kv, clock, random: cryptoRandom, retention: { maxAgeMs: 120 * 60_000, maxEntries: 50, everyMs: 24 * 3600_000 } });
    await fill(audit, clock, 300);
    // Nothing pruned before the first prune is due (a short-lived CLI process never scans the trail).
    expect(await count(audit)).toEqual({ refresh_success: 300, refresh_failure: 30, transition: 12, connect: 12 });
    await clock.advance(24 * 3600_000);
    await audit.append({ operation: 'refresh_success', outcome: 'success', actor: 'token-manager', account_id: 'a1' });
    // Age: every earlier routine entry is over 2 h old now; only the one just written stays.
    expect(await count(audit)).toEqual({ refresh_success: 1, refresh_failure: 30, transition: 12, connect: 0 });
  });

  it('the count limit keeps the newest routine entries', async () => {
    const clock = manualClock(Date.parse('2026-11-23T00:00:00Z'));
    const audit = createAuditTrail({ kv: createMemoryKv(clock), clock, random: cryptoRandom, retention: { maxAgeMs: 365 * 86400_000, maxEntries: 40, everyMs: 24 * 3600_000 } });
    await fill(audit, clock, 100);
    const routineIds = (await audit.query()).filter((e) => e.outcome === 'success' && e.details?.from === e.details?.to).map((e) => e.id);
    expect(routineIds).toHaveLength(104);
    await clock.advance(24 * 3600_000);
    const last = await audit.append({ operation: 'refresh_success', outcome: 'success', actor: 'token-manager', account_id: 'a1' });
    const after = await audit.query();
    const routineAfter = after.filter((e) => e.outcome === 'success' && e.details?.from === e.details?.to).map((e) => e.id);
    expect(routineAfter).toEqual([...routineIds.slice(-39), last.id]);
    expect(await count(audit)).toMatchObject({ refresh_failure: 10, transition: 4 });
  });
});
