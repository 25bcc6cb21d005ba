/**
 * Append-only credential-operation audit trail on a KvStore. Keys are `audit:<time-sortable id>`
 * (13-digit epoch ms + '-' + 6-digit per-process sequence + '-' + random hex), so a prefix scan
 * returns everything and sorting by key is chronological — within one process also for entries
 * written in the same millisecond (across processes those keep an arbitrary but stable order). Entries hold no secret values: callers pass reasons and counts only.
 *
 * Retention (when configured): routine entries — successes that changed no account's status —
 * older than `maxAgeMs` are deleted, and of the rest only the newest `maxEntries` are kept.
 * Failures and status changes (details `from` ≠ `to`) are never pruned. A trail prunes at most
 * once per `everyMs` (default 10 min, counted from its creation, so short-lived CLI processes do
 * not scan the trail), inside the append that finds it due; replicas prune idempotently.
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

export interface AuditRetention {
  maxAgeMs: number;
  maxEntries: number;
  /** Least time between two prunes (default 10 min). */
  everyMs?: number;
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

/** Failures and status changes are kept whatever their age. */
function isRoutine(rec: Partial<AuditRecord>): boolean {
  if (rec.outcome !== 'success') return false;
  const d = rec.details;
  return !(d && 'from' in d && 'to' in d && d.from !== d.to);
}

export function createAuditTrail(opts: { kv: KvStore; clock: Clock; random: Random; retention?: AuditRetention }): AuditTrail {
  let seq = 0;
  const retention = opts.retention;
  let lastPrune = opts.clock.now();
  let pruning: Promise<number> | undefined;

  async function pruneNow(r: AuditRetention): Promise<number> {
    const cutoff = opts.clock.now() - r.maxAgeMs;
    const routine: Array<{ key: string; ms: number }> = [];
    for await (const [key, value] of opts.kv.scan(AUDIT_PREFIX)) {
      let rec: Partial<AuditRecord>;
      try {
        rec = JSON.parse(value) as Partial<AuditRecord>;
      } catch {
        continue;
      }
      if (isRoutine(rec)) routine.push({ key, ms: Number(key.slice(AUDIT_PREFIX.length, AUDIT_PREFIX.length + 13)) });
    }
    routine.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const overCount = Math.max(0, routine.length - r.maxEntries);
    let removed = 0;
    for (const [i, e] of routine.entries()) {
      if (i >= overCount && e.ms >= cutoff) break;
      if (await opts.kv.delete(e.key)) removed++;
    }
    return removed;
  }

  const prune = (r: AuditRetention): Promise<number> => {
    lastPrune = opts.clock.now();
    pruning ??= pruneNow(r).finally(() => {
      pruning = undefined;
    });
    return pruning;
  };

  return {
    async append(entry) {
      const now = opts.clock.now();
      seq = (seq + 1) % 1_000_000;
      const id = `${String(now).padStart(13, '0')}-${String(seq).padStart(6, '0')}-${opts.random.bytes(6).toString('hex')}`;
      const rec: AuditRecord = { id, time: new Date(now).toISOString(), ...entry };
      await opts.kv.set(AUDIT_PREFIX + id, JSON.stringify(rec));
      if (retention && now - lastPrune >= (retention.everyMs ?? 600_000)) await prune(retention);
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
