/** Lazy entry to the operator runtime's composition root (runtime-impl.ts). */
import type { CliIo } from '../cli/io.js';
import type { OperatorFlags, OperatorRuntime } from './runtime.js';

export async function openOperatorRuntime(flags: OperatorFlags, io: CliIo): Promise<OperatorRuntime> {
  const { openOperatorRuntimeImpl } = await import('./runtime-impl.js');
  return openOperatorRuntimeImpl(flags, io);
}
