/** `crm-mcp audit`: see src/connect/cli/audit.ts. */
import { openOperatorRuntime } from '../open.js';
import { runAudit } from '../../connect/cli/audit.js';
import type { OpenOperatorRuntime } from '../open.js';
import type { CliIo } from '../io.js';

export function run(argv: string[], io: CliIo): Promise<number> {
  return runAudit(argv, { ...io, stderrIsTty: Boolean(process.stderr.isTTY) } as CliIo, openOperatorRuntime);
}

/** `run` with the runtime opener injected (tests pass an in-memory one). */
export function runWith(argv: string[], io: CliIo, open: OpenOperatorRuntime): Promise<number> {
  return runAudit(argv, io, open);
}
