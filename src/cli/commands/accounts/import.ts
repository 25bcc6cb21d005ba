/**
 * `accounts import <file|-> [--verify]`: JSON array or NDJSON. Invalid records are listed by
 * line on stderr (and in --json output) and never block the valid ones. Exit 1 when any record
 * was invalid or any verification failed outright; `needs_reauth` is a result, not a failure.
 */
import { readFile } from 'node:fs/promises';
import type { OperatorRuntime } from '../../../connect/runtime.js';
import { importAccounts } from '../../../transfer/import.js';
import { parseImportText } from '../../../transfer/parse.js';
import { verifyAccounts, type VerifySummary } from '../../../transfer/verify.js';
import { EXIT, failure, notFound, usageError } from '../../exit.js';
import type { CliIo } from '../../io.js';
import { oneLine, out } from '../../kit.js';
import { progressBar } from '../../progress.js';
import type { AccountsValues } from './manage.js';

async function readInput(io: CliIo, file: string): Promise<string> {
  if (file === '-') {
    if (!io.stdin) throw usageError('no stdin to read from');
    const chunks: Buffer[] = [];
    for await (const c of io.stdin) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(String(c)));
    return Buffer.concat(chunks).toString('utf8');
  }
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw notFound(`no such file '${file}'`);
    throw failure('read_failed', `cannot read '${file}': ${(err as Error).message}`);
  }
}

export async function runImport(io: CliIo, v: AccountsValues, pos: string[], runtime: () => Promise<OperatorRuntime>): Promise<number> {
  if (pos.length !== 1) throw usageError('import takes exactly one file (or - for stdin)');
  const concurrency = v.concurrency === undefined ? 8 : Number(v.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) throw usageError('--concurrency must be an integer from 1 to 64');
  const text = await readInput(io, pos[0]!);
  const items = parseImportText(text);
  if (items.length === 0) throw usageError(`'${pos[0]}' holds no records`);

  const rt = await runtime();
  const report = await importAccounts(
    { accounts: rt.accounts, kv: rt.kv, clock: rt.deps.clock, audit: rt.audit, actor: 'cli', knownIntegration: (n) => rt.integration(n) !== undefined, checkRecord: (r) => rt.integration(r.integration)?.overrideProblem?.(r), concurrency, forceTokens: v.forceTokens === true, ...(rt.scheduler ? { scheduler: rt.scheduler } : {}) },
    items,
  );
  for (const bad of report.invalid) io.stderr(`line ${bad.line}: ${oneLine(bad.error)}\n`);

  let verify: VerifySummary | undefined;
  if (v.verify) {
    const bar = progressBar(io.stderr, Boolean(io.stderrIsTty), 'verifying');
    verify = await verifyAccounts(
      { accounts: rt.accounts, verifier: rt.verifier, clock: rt.deps.clock, logger: rt.deps.logger, audit: rt.audit, webhooks: rt.webhooks, actor: 'cli', concurrency, onProgress: (d, t) => bar.update(d, t) },
      report.accounts.map((a) => a.id),
    );
    bar.finish();
  }

  const { accounts: rows, ...counts } = report;
  const kept = report.tokens_kept ? ` (${report.tokens_kept} kept their newer stored tokens; --force-tokens overrides)` : '';
  const text1 = `imported ${report.records} record(s): ${report.created} created, ${report.updated} updated${kept}, ${report.unchanged} unchanged, ${report.invalid.length} invalid`;
  const text2 = verify
    ? `\nverified: ${verify.active} active, ${verify.needs_reauth} needs_reauth, ${verify.failed} failed` +
      verify.accounts
        .filter((r) => r.result !== 'active')
        .map((r) => `\n  ${r.id}  ${r.result}: ${oneLine(r.reason ?? '')}`)
        .join('')
    : '';
  const ok = report.invalid.length === 0 && (!verify || verify.failed === 0);
  out(io, v.json, { ok, import: { ...counts, accounts: rows }, ...(verify ? { verify } : {}) }, text1 + text2);
  if (!ok) {
    const parts = [report.invalid.length ? `${report.invalid.length} invalid record(s) (listed by line above)` : '', verify?.failed ? `${verify.failed} account(s) failed verification` : ''].filter(Boolean);
    io.stderr(`crm-mcp accounts import: ${parts.join('; ')}\n`);
    return EXIT.failure;
  }
  return EXIT.ok;
}
