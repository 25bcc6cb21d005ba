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
