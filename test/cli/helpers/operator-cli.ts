/**
 * Runs a real operator command module in a child process over the in-memory runtime:
 *   node --import tsx test/cli/helpers/operator-cli.ts accounts import file.ndjson --json
 * Tests of process-level behaviour (exit code, stdout/stderr split) use it; the same commands
 * spawned through src/cli/main.ts use the real composition root.
 */
import { processIo } from '../../../src/cli/io.js';
import { memoryOperatorRuntime } from './operator-runtime.js';

const [cmd, ...argv] = process.argv.slice(2);
const mods = {
  accounts: () => import('../../../src/cli/commands/accounts.js'),
  audit: () => import('../../../src/cli/commands/audit.js'),
  links: () => import('../../../src/cli/commands/links.js'),
  status: () => import('../../../src/cli/commands/status.js'),
} as const;
const load = mods[cmd as keyof typeof mods];
if (!load) {
  process.stderr.write(`operator-cli: unknown command '${cmd}'\n`);
  process.exitCode = 2;
} else {
  const rt = memoryOperatorRuntime();
  process.exitCode = await (await load()).runWith(argv, processIo(), async () => rt);
}
