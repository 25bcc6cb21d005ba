/** Builds the McpRuntime from the store, crypto, token manager and engine modules. */
import type { CliIo } from '../cli/io.js';
import { CrmMcpError } from '../core/errors.js';
import type { McpRuntime, RuntimeFlags } from './runtime.js';

export async function openRuntimeImpl(_flags: RuntimeFlags, _io: CliIo): Promise<McpRuntime> {
  // Wired once src/app/open-store.ts and createEngine land (issue 2/4 helpers).
  throw new CrmMcpError('config_invalid', 'the store and engine are not available in this build yet');
}
