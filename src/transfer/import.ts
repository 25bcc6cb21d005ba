/**
 * Import: validate every record (a bad one is reported with its line and never blocks the
 * others), then upsert idempotently. An unchanged record writes nothing: the record's
 * fingerprint (SHA-256 of its canonical form, kept under `import-fp:<id>`) or, failing that,
 * a field-by-field comparison decides. Status, timestamps and tokens refreshed since the
 * last import belong to this instance and are kept when the record has not changed.
 * An import never rolls back a rotation: when a changed record carries tokens older than the
 * account's (record.ts `recordTokensAreStale`), its other fields are written and the stored tokens
 * kept, unless `forceTokens`. The fingerprint key also holds the SHA-256 of the refresh token the
 * import wrote (`<fp>.<rt sha256>`), which is how a later import recognises it.
 */
import type { LinkedAccount } from '../accounts/model.js';
import type { Clock } from '../core/deps.js';
import type { AuditPort } from '../audit/log.js';
import type { TokenScheduler } from '../tokens/scheduler.js';
import type { AccountStore } from '../store/account-store.js';
import type { KvStore } from '../store/kv.js';
import type { ParsedItem } from './parse.js';
import { mapLimit } from './pool.js';
import { canonicalJson, describeIssues, fingerprint, ImportRecordSchema, importedFields, normalizeRecord, recordTokensAreStale, tokenFingerprint, type ImportRecord, type NormalizedRecord } from './record.js';

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
  /** Write the record's tokens even when they are older than the account's (`--force-tokens`). */
  forceTokens?: boolean;
}

export type ImportAction = 'created' | 'updated' | 'unchanged';

export interface ImportReport {
  records: number;
  created: number;
  updated: number;
  unchanged: number;
  invalid: Array<{ line: number; error: string }>;
  accounts: Array<{ line: number; id: string; action: ImportAction; tokens_kept?: true }>;
  /** Updated accounts whose stored tokens were newer than the record's and were kept. */
  tokens_kept: number;
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
  const report: ImportReport = { records: items.length, created: 0, updated: 0, unchanged: 0, invalid, accounts: [], tokens_kept: 0 };

  const results = await mapLimit(valid, deps.concurrency ?? 8, async (v) => {
    try {
      return { line: v.line, id: v.normalized.id, ...(await upsert(deps, v)) };
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
    if (r.tokensKept) report.tokens_kept++;
    report.accounts.push({ line: r.line, id: r.id, action: r.action, ...(r.tokensKept ? { tokens_kept: true as const } : {}) });
  }
  report.invalid.sort((a, b) => a.line - b.line);
  await deps.audit.append({
    operation: 'import',
    outcome: report.invalid.length === 0 ? 'success' : 'failure',
    actor: deps.actor,
    details: { records: report.records, created: report.created, updated: report.updated, unchanged: report.unchanged, invalid: report.invalid.length, tokens_kept: report.tokens_kept },
  });
  return report;
}

async function upsert(deps: ImportDeps, v: Valid): Promise<{ action: ImportAction; tokensKept?: boolean }> {
  const n = v.normalized;
  const fp = fingerprint(n);
  const fpKey = IMPORT_FP_PREFIX + n.id;
  const recordToken = n.context.oauth?.token;
  const fpValue = recordToken?.refresh_token ? `${fp}.${tokenFingerprint(recordToken.refresh_token)}` : fp;
  const existing = await deps.accounts.get(n.id);
  const audit = (action: ImportAction, account: LinkedAccount, tokensKept = false) =>
    deps.audit.append({ operation: 'import_account', outcome: 'success', actor: deps.actor, tenant_id: account.tenant_id, account_id: account.id, details: { action, integration: account.integration, ...(tokensKept ? { tokens_kept: true } : {}) } });

  if (existing) {
    if (existing.tenant_id !== n.tenant_id || existing.integration !== n.integration) {
      throw new Error(`account '${n.id}' exists for another tenant or integration; refusing to overwrite it`);
    }
    const [lastFp, lastToken] = ((await deps.kv.get(fpKey)) ?? '').split('.');
    if (lastFp === fp && !deps.forceTokens) return { action: 'unchanged' };
    if (canonicalJson(importedFields(existing)) === canonicalJson(n)) {
      await deps.kv.set(fpKey, fpValue);
      return { action: 'unchanged' };
    }
    let tokensKept = false;
    // Decided on the account as written (a refresh may rotate its tokens while the import runs).
    const next = await deps.accounts.update(n.id, (cur) => {
      tokensKept = !deps.forceTokens && recordTokensAreStale(recordToken, cur.context.oauth?.token, lastToken || undefined);
      return { ...cur, ...n, context: tokensKept ? { ...n.context, oauth: cur.context.oauth } : n.context };
    });
    await deps.kv.set(fpKey, fpValue);
    await deps.scheduler?.tokenStored(next);
    await audit('updated', next, tokensKept);
    return { action: 'updated', tokensKept };
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
  await deps.kv.set(fpKey, fpValue);
  await deps.scheduler?.tokenStored(created);
  await audit('created', created);
  return { action: 'created' };
}
