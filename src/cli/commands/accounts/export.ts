/**
 * `accounts export [--include-secrets] [--hand-off] [--out file]`: NDJSON-free, one JSON array
 * in the import shape. With --include-secrets the output must be a file or a pipe, never a
 * terminal; files are written 0600. --hand-off marks the exported accounts so this instance
 * stops refreshing them (`accounts resume` undoes it).
 */
import { writeFile } from 'node:fs/promises';
import type { OperatorRuntime } from '../../../connect/runtime.js';
import { exportAccounts } from '../../../transfer/export.js';
import { EXIT, failure, usageError } from '../../exit.js';
import type { CliIo } from '../../io.js';
import type { AccountsValues } from './manage.js';

export async function runExport(io: CliIo, v: AccountsValues, runtime: () => Promise<OperatorRuntime>): Promise<number> {
  if (v.includeSecrets && !v.out && io.stdoutIsTty) {
    throw usageError('--include-secrets refuses to write to a terminal; use --out <file> or redirect stdout');
  }
  const rt = await runtime();
  const res = await exportAccounts(
    { accounts: rt.accounts, audit: rt.audit, actor: 'cli', secretContextFields: (i) => rt.integration(i)?.secretContextFields ?? [], ...(rt.scheduler ? { scheduler: rt.scheduler } : {}) },
    { includeSecrets: Boolean(v.includeSecrets), handOff: Boolean(v.handOff), ...(v.tenant ? { tenantId: v.tenant } : {}) },
  );
  const body = JSON.stringify(res.records, null, 2) + '\n';
  for (const id of res.corrupt) io.stderr(`crm-mcp accounts export: account '${id}' is unreadable; not exported\n`);
  if (v.out) {
    try {
      await writeFile(v.out, body, { mode: 0o600 });
    } catch (err) {
      throw failure('write_failed', `cannot write '${v.out}': ${(err as Error).message}`);
    }
    const summary = { ok: true, accounts: res.records.length, out: v.out, include_secrets: Boolean(v.includeSecrets), handed_off: v.handOff ? res.records.length : 0, corrupt: res.corrupt };
    io.stdout(v.json ? JSON.stringify(summary) + '\n' : `exported ${res.records.length} account(s) to ${v.out}${v.handOff ? ' (handed off: this instance no longer refreshes them)' : ''}\n`);
  } else {
    io.stdout(body);
  }
  return res.corrupt.length > 0 ? EXIT.failure : EXIT.ok;
}
