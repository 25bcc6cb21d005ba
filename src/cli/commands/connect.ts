/** `crm-mcp connect`: see src/connect/cli/connect.ts. */
import { openOperatorRuntime } from '../open.js';
import { runConnect } from '../../connect/cli/connect.js';
import type { OpenOperatorRuntime } from '../open.js';
import type { CliIo } from '../io.js';

export function run(argv: string[], io: CliIo): Promise<number> {
  return runConnect(argv, { ...io, stderrIsTty: Boolean(process.stderr.isTTY) } as CliIo, openOperatorRuntime);
}

/** `run` with the runtime opener injected (tests pass an in-memory one). */
export function runWith(argv: string[], io: CliIo, open: OpenOperatorRuntime): Promise<number> {
  return runConnect(argv, io, open);
}
