/**
 * Append-only credential-operation audit trail on a KvStore. Keys are `audit:<time-sortable id>`
 * (13-digit epoch ms + '-' + 6-digit per-process sequence + '-' + random hex), so a prefix scan
 * returns everything and sorting by key is chronological — within one process also for entries
 * written in the same millisecond (across processes those keep an arbitrary but stable order). Entries hold no secret values: callers pass reasons and counts only.
 */
import type { Clock, Random } from '../core/deps.js';
import type { KvStore } from '../store/kv.js';

export const AUDIT_PREFIX = 'audit:';

export interface AuditInput {
  operation: string;
  outcome: 'success' | 'failure';
  actor: string;
  tenant_id?: string;
  account_id?: string;
  details?: Record<string, unknown>;
}

export interface AuditRecord extends AuditInput {
  id: string;
  time: string;
}

export interface AuditQuery {
  accountId?: string;
  tenantId?: string;
  operation?: string;
  since?: number;
  until?: number;
  limit?: number;
}

/** What writers of the trail need: appending (the stored record is not read). */
export interface AuditPort {
  append(entry: AuditInput): Promise<unknown>;
}

export interface AuditTrail extends AuditPort {
  append(entry: AuditInput): Promise<AuditRecord>;
  /** Oldest first; `limit` keeps the newest N. */
  query(q?: AuditQuery): Promise<AuditRecord[]>;
}

export function createAuditTrail(opts: { kv: KvStore; clock: Clock; random: Random }): AuditTrail {
  let seq = 0;
  return {
    async append(entry) {
      const now = opts.clock.now();
      seq = (seq + 1) % 1_000_000;
      const id = `${String(now).padStart(13, '0')}-${String(seq).padStart(6, '0')}-${opts.random.bytes(6).toString('hex')}`;
      const rec: AuditRecord = { id, time: new Date(now).toISOString(), ...entry };
      await opts.kv.set(AUDIT_PREFIX + id, JSON.stringify(rec));
      return rec;
    },
    async query(q = {}) {
      const out: AuditRecord[] = [];
      for await (const [key, value] of opts.kv.scan(AUDIT_PREFIX)) {
        const ms = Number(key.slice(AUDIT_PREFIX.length, AUDIT_PREFIX.length + 13));
        if (q.since !== undefined && ms < q.since) continue;
        if (q.until !== undefined && ms > q.until) continue;
        let rec: AuditRecord;
        try {
          rec = JSON.parse(value) as AuditRecord;
        } catch {
          continue;
        }
        if (q.accountId !== undefined && rec.account_id !== q.accountId) continue;
        if (q.tenantId !== undefined && rec.tenant_id !== q.tenantId) continue;
        if (q.operation !== undefined && rec.operation !== q.operation) continue;
        out.push(rec);
      }
      out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      return q.limit !== undefined ? out.slice(-q.limit) : out;
    },
  };
}
