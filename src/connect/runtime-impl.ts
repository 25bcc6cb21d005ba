/**
 * Composition root for the operator commands: the opened credential core (src/app/open-core.ts)
 * → operatorRuntimeOnCore.
 * Environment (besides src/app/config.ts): CRM_MCP_PUBLIC_URL (connect links' base URL; else
 * the config file's `publicUrl`), CRM_MCP_WEBHOOK_URL + CRM_MCP_WEBHOOK_SECRET (one lifecycle
 * webhook endpoint), and the OAuth client variables of src/oauth-clients/config.ts (which win
 * over the config file's `oauthClients`).
 */
import { openCore, type CoreExtras } from '../app/open-core.js';
import type { CliIo } from '../cli/io.js';
import { operatorRuntimeOnCore } from './on-core.js';
import type { OperatorFlags, OperatorRuntime } from './runtime.js';

/** Test/dev only, not reachable from the command line: point definitions at loopback providers. */
export type OperatorRuntimeExtras = Omit<CoreExtras, 'extraDefinitionDirs'>;

export async function openOperatorRuntimeImpl(flags: OperatorFlags, io: CliIo, extras: OperatorRuntimeExtras = {}): Promise<OperatorRuntime> {
  const base = await openCore(flags, io, extras);
  const { core, store } = base;
  // The CLI process only keeps the schedule in step (forget on hand-off/delete); `serve` runs it.
  // Only a Redis queue is shared with `serve`; an in-process one starts empty and must not answer
  // `status` (which then falls back to token expiry).
  const scheduler = store.redis ? core.scheduler : { tokenStored: core.scheduler.tokenStored, forget: core.scheduler.forget };
  return operatorRuntimeOnCore(base, { scheduler, close: () => store.close() });
}
