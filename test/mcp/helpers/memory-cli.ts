/**
 * Runs the real stdio/serve command code in a child process with the in-memory runtime (in-test
 * engine). For process-level tests of the transports; the same tests against the real engine and
 * fake CRMs spawn src/cli/main.ts instead.
 *   node --import tsx test/mcp/helpers/memory-cli.ts stdio --account a-acct
 */
import { processIo } from '../../../src/cli/io.js';
import { createLogger } from '../../../src/core/logger.js';
import { memoryRuntime } from './memory-runtime.js';

const [cmd, ...argv] = process.argv.slice(2);
const open = async () => memoryRuntime({ logger: createLogger({ level: 'debug' }) });
const mod = cmd === 'serve' ? await import('../../../src/cli/commands/serve.js') : await import('../../../src/cli/commands/stdio.js');
process.exitCode = await mod.runWith(argv, processIo(), open);
