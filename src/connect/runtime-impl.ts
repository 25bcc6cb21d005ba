/** Composition root for the operator commands. */
import type { CliIo } from '../cli/io.js';
import { CrmMcpError } from '../core/errors.js';
import type { OperatorFlags, OperatorRuntime } from './runtime.js';

export async function openOperatorRuntimeImpl(_flags: OperatorFlags, _io: CliIo): Promise<OperatorRuntime> {
  throw new CrmMcpError('config_invalid', 'the store and engine are not available in this build yet');
}
