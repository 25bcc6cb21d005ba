/** `crm-mcp accounts`: see src/connect/cli/accounts.ts. */
import { openOperatorRuntime } from '../open.js';
import { runAccounts } from '../../connect/cli/accounts.js';
import type { OpenOperatorRuntime } from '../open.js';
import type { CliIo } from '../io.js';

export function run(argv: string[], io: CliIo): Promise<number> {
  return runAccounts(argv, { ...io, stderrIsTty: Boolean(process.stderr.isTTY) } as CliIo, openOperatorRuntime);
}

/** `run` with the runtime opener injected (tests pass an in-memory one). */
export function runWith(argv: string[], io: CliIo, open: OpenOperatorRuntime): Promise<number> {
  return runAccounts(argv, io, open);
}
