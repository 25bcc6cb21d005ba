/** The operator runtime on an opened credential core: the same wiring for the CLI, `serve`'s connect endpoints and tests. */
import type { CoreBase } from '../app/open-core.js';
import { buildOperatorRuntime } from './compose.js';
import type { OperatorRuntime } from './runtime.js';

export function operatorRuntimeOnCore(
  b: CoreBase,
  o: { scheduler?: OperatorRuntime['scheduler']; close(): Promise<void> },
): OperatorRuntime {
  const { core, parts } = b;
  return buildOperatorRuntime({
    kv: b.store.kv,
    accounts: b.store.accounts,
    deps: b.deps,
    sealer: core.sealer,
    registry: b.registry,
    tokens: core.tokens,
    retryRefresh: (id) => core.tokens.retryRefresh(id),
    scheduler: o.scheduler ?? core.scheduler,
    audit: core.audit,
    webhooks: core.webhooks,
    env: parts.env,
    ...(parts.oauthClients ? { oauthClients: parts.oauthClients } : {}),
    ...(parts.envOverrides ? { envOverrides: parts.envOverrides } : {}),
    ...(parts.extraAllowedHosts ? { extraAllowedHosts: parts.extraAllowedHosts } : {}),
    ...(b.publicBaseUrl ? { publicBaseUrl: b.publicBaseUrl } : {}),
    close: o.close,
  });
}
