/**
 * `accounts export [--include-secrets] [--hand-off] [--out file]`: NDJSON-free, one JSON array
 * in the import shape. With --include-secrets the output must be a file or a pipe, never a
 * terminal; files are written 0600. --hand-off marks the exported accounts so this instance
 * stops refreshing them (`accounts resume` undoes it).
 */
import { writeFile } from 'node:fs/promises';
import type { CliIo } from '../../cli/io.js';
import { exportAccounts } from '../../transfer/export.js';
import type { OperatorRuntime } from '../runtime.js';
import type { AccountsValues } from './accounts.js';
import { EXIT, failure, usageError } from './kit.js';

export async function runExport(io: CliIo, v: AccountsValues, pos: string[], runtime: () => Promise<OperatorRuntime>): Promise<number> {
  if (pos.length > 0) throw usageError('export takes no positional arguments (use --out <file>)');
  if (v['include-secrets'] && !v.out && io.stdoutIsTty) {
    throw usageError('--include-secrets refuses to write to a terminal; use --out <file> or redirect stdout');
  }
  const rt = await runtime();
  const res = await exportAccounts(
    { accounts: rt.accounts, audit: rt.audit, actor: 'cli', secretContextFields: (i) => rt.integration(i)?.secretContextFields ?? [], ...(rt.scheduler ? { scheduler: rt.scheduler } : {}) },
    { includeSecrets: v['include-secrets'], handOff: v['hand-off'], ...(v.tenant ? { tenantId: v.tenant } : {}) },
  );
  const body = JSON.stringify(res.records, null, 2) + '\n';
  for (const id of res.corrupt) io.stderr(`crm-mcp accounts export: account '${id}' is unreadable; not exported\n`);
  if (v.out) {
    try {
      await writeFile(v.out, body, { mode: 0o600 });
    } catch (err) {
      throw failure('write_failed', `cannot write '${v.out}': ${(err as Error).message}`);
    }
    const summary = { ok: true, accounts: res.records.length, out: v.out, include_secrets: v['include-secrets'], handed_off: v['hand-off'] ? res.records.length : 0, corrupt: res.corrupt };
    io.stdout(v.json ? JSON.stringify(summary) + '\n' : `exported ${res.records.length} account(s) to ${v.out}${v['hand-off'] ? ' (handed off: this instance no longer refreshes them)' : ''}\n`);
  } else {
    io.stdout(body);
  }
  return res.corrupt.length > 0 ? EXIT.failure : EXIT.ok;
}
