/**
 * Exit codes, as the README promises for every command:
 *   0 ok · 1 failure (provider, store, verification) · 2 usage (unknown flag, missing argument,
 *   bad value) · 3 not found (account, integration, token, key, file)
 * A command body throws a CliFailure (or lets a CrmMcpError through); `toFailure` is the one
 * place either becomes an exit code.
 */
import { errorOutcome } from '../core/error-table.js';
import { isCrmMcpError } from '../core/errors.js';

export const EXIT = { ok: 0, failure: 1, usage: 2, notFound: 3 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export class CliFailure extends Error {
  constructor(
    readonly exitCode: ExitCode,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const usageError = (message: string) => new CliFailure(EXIT.usage, 'usage', message);
export const notFound = (message: string) => new CliFailure(EXIT.notFound, 'not_found', message);
export const failure = (code: string, message: string) => new CliFailure(EXIT.failure, code, message);

/** A thrown error as the CLI reports it; local error codes take their exit code from the error table. */
export function toFailure(err: unknown): CliFailure {
  if (err instanceof CliFailure) return err;
  if (isCrmMcpError(err)) return new CliFailure(errorOutcome(err).exit, err.code, err.message);
  return new CliFailure(EXIT.failure, 'error', err instanceof Error ? err.message : String(err));
}
