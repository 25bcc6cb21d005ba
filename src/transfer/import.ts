/**
 * Import: validate every record (a bad one is reported with its line and never blocks the
 * others), then upsert idempotently. An unchanged record writes nothing: the record's
 * fingerprint (SHA-256 of its canonical form, kept under `import-fp:<id>`) or, failing that,
 * a field-by-field comparison decides. Status, timestamps and tokens refreshed since the
 * last import belong to this instance and are kept when the record has not changed.
 */
import type { LinkedAccount } from '../accounts/model.js';
import type { Clock } from '../core/deps.js';
import type { AuditPort } from '../audit/log.js';
import type { TokenScheduler } from '../tokens/scheduler.js';
import type { AccountStore } from '../store/account-store.js';
import type { KvStore } from '../store/kv.js';
import type { ParsedItem } from './parse.js';
import { mapLimit } from './pool.js';
import { canonicalJson, describeIssues, fingerprint, ImportRecordSchema, importedFields, normalizeRecord, type ImportRecord, type NormalizedRecord } from './record.js';

export const IMPORT_FP_PREFIX = 'import-fp:';

export interface ImportDeps {
  accounts: AccountStore;
  kv: KvStore;
  clock: Clock;
  audit: AuditPort;
  actor: string;
  /** False for an integration with no definition; such records are rejected. */
  knownIntegration?: (name: string) => boolean;
  /** A reason to reject the record before anything is stored (e.g. an override whose JSONata does not compile), else undefined. */
  checkRecord?: (record: NormalizedRecord) => string | undefined | Promise<string | undefined>;
  scheduler?: TokenScheduler;
  concurrency?: number;
}

export type ImportAction = 'created' | 'updated' | 'unchanged';

export interface ImportReport {
  records: number;
  created: number;
  updated: number;
  unchanged: number;
  invalid: Array<{ line: number; error: string }>;
  accounts: Array<{ line: number; id: string; action: ImportAction }>;
}

interface Valid {
  line: number;
  record: ImportRecord;
  normalized: NormalizedRecord;
}

export async function validateItems(
  items: ParsedItem[],
  knownIntegration?: (name: string) => boolean,
  checkRecord?: ImportDeps['checkRecord'],
): Promise<{ valid: Valid[]; invalid: ImportReport['invalid'] }> {
  const valid: Valid[] = [];
  const invalid: ImportReport['invalid'] = [];
  const seen = new Map<string, number>();
  for (const item of items) {
    if (!item.ok) {
      invalid.push({ line: item.line, error: item.error });
      continue;
    }
    const parsed = ImportRecordSchema.safeParse(item.value);
    if (!parsed.success) {
      invalid.push({ line: item.line, error: describeIssues(parsed.error) });
      continue;
    }
    const normalized = normalizeRecord(parsed.data);
    if (knownIntegration && !knownIntegration(normalized.integration)) {
      invalid.push({ line: item.line, error: `integration: unknown integration '${normalized.integration}'` });
      continue;
    }
    const rejected = await checkRecord?.(normalized);
    if (rejected !== undefined) {
      invalid.push({ line: item.line, error: rejected });
      continue;
    }
    const dup = seen.get(normalized.id);
    if (dup !== undefined) {
      invalid.push({ line: item.line, error: `id: account '${normalized.id}' already appears on line ${dup}` });
      continue;
    }
    seen.set(normalized.id, item.line);
    valid.push({ line: item.line, record: parsed.data, normalized });
  }
  return { valid, invalid };
}

export async function importAccounts(deps: ImportDeps, items: ParsedItem[]): Promise<ImportReport> {
  const { valid, invalid } = await validateItems(items, deps.knownIntegration, deps.checkRecord);
  const report: ImportReport = { records: items.length, created: 0, updated: 0, unchanged: 0, invalid, accounts: [] };

  const results = await mapLimit(valid, deps.concurrency ?? 8, async (v) => {
    try {
      return { line: v.line, id: v.normalized.id, action: await upsert(deps, v) };
    } catch (err) {
      return { line: v.line, id: v.normalized.id, error: (err as Error).message };
    }
  });
  for (const r of results) {
    if ('error' in r) {
      report.invalid.push({ line: r.line, error: `store: ${r.error}` });
      continue;
    }
    report[r.action]++;
    report.accounts.push({ line: r.line, id: r.id, action: r.action });
  }
  report.invalid.sort((a, b) => a.line - b.line);
  await deps.audit.append({
    operation: 'import',
    outcome: report.invalid.length === 0 ? 'success' : 'failure',
    actor: deps.actor,
    details: { records: report.records, created: report.created, updated: report.updated, unchanged: report.unchanged, invalid: report.invalid.length },
  });
  return report;
}

async function upsert(deps: ImportDeps, v: Valid): Promise<ImportAction> {
  const n = v.normalized;
  const fp = fingerprint(n);
  const fpKey = IMPORT_FP_PREFIX + n.id;
  const existing = await deps.accounts.get(n.id);
  const audit = (action: ImportAction, account: LinkedAccount) =>
    deps.audit.append({ operation: 'import_account', outcome: 'success', actor: deps.actor, tenant_id: account.tenant_id, account_id: account.id, details: { action, integration: account.integration } });

  if (existing) {
    if (existing.tenant_id !== n.tenant_id || existing.integration !== n.integration) {
      throw new Error(`account '${n.id}' exists for another tenant or integration; refusing to overwrite it`);
    }
    if ((await deps.kv.get(fpKey)) === fp) return 'unchanged';
    if (canonicalJson(importedFields(existing)) === canonicalJson(n)) {
      await deps.kv.set(fpKey, fp);
      return 'unchanged';
    }
    const next = await deps.accounts.update(n.id, (cur) => ({ ...cur, ...n, context: n.context }));
    await deps.kv.set(fpKey, fp);
    await deps.scheduler?.tokenStored(next);
    await audit('updated', next);
    return 'updated';
  }

  const now = new Date(deps.clock.now()).toISOString();
  const created = await deps.accounts.put({
    ...n,
    status: v.record.status ?? 'active',
    created_at: v.record.created_at ?? now,
    updated_at: now,
    last_error: null,
    version: 0,
  });
  await deps.kv.set(fpKey, fp);
  await deps.scheduler?.tokenStored(created);
  await audit('created', created);
  return 'created';
}
