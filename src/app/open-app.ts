/**
 * The composition root: the one function that wires parts. Every entry point — `serve`,
 * `stdio`, every operator command, the demo and the benchmarks — opens the app here:
 *   config → logger → definitions → encrypted store → credential core (audit, webhooks, OAuth
 *   clients, token manager, scheduler) → engine → MCP runtime → operator runtime (lazily).
 * Nothing outside src/app/ (and tests) constructs the store, the core or the engine.
 */
import type { AccessTokenStore } from '../access-tokens/store.js';
import type { ConnectHandler } from '../connect/handler.js';
import type { OperatorRuntime } from '../connect/runtime.js';
import { cryptoRandom, systemClock, type Clock, type Deps, type LogLevel, type Random } from '../core/deps.js';
import { createLogger } from '../core/logger.js';
import { createEngine } from '../engine/engine.js';
import { secretContextKeys, type ExpressionChecks } from '../integrations/index.js';
import { createReauthFlow } from '../mcp/reauth.js';
import type { McpRuntime } from '../mcp/runtime.js';
import type { AccountStore } from '../store/account-store.js';
import { loadConfig, type ConfigFlags } from './config.js';
import { composeCore, webhookEndpointsFromEnv } from './core.js';
import { loadDefinitions, type OpenedDefinitions } from './definitions.js';
import { openStore } from './open-store.js';
import type { AppParts } from './parts.js';

export { openDefinitions } from './definitions.js';

export interface OpenAppOptions {
  flags?: ConfigFlags;
  env: NodeJS.ProcessEnv;
  /** Where log lines go (stderr: stdout stays protocol-only for stdio). */
  stderr: (text: string) => void;
  /** Where one-time notices (a key was generated) go; default `stderr`. */
  notice?: (line: string) => void;
  /**
   * May create a missing embedded store and, when it holds nothing sealed, a key file: only
   * `crm-mcp init` and the commands that write accounts ask (src/app/open-store.ts).
   */
  create?: boolean;
  /**
   * When definitions and environment overrides are checked (src/app/definitions.ts): 'at-load'
   * (default) or 'deferred' — an account's definition and the environment override it is served
   * with, on the first read of the account through `mcp.accounts` (stdio, which serves one).
   */
  expressions?: ExpressionChecks;
  /** Warn on stderr when `insecureHosts` is set (default true; the demo's are its own sandboxes). */
  warnInsecureHosts?: boolean;
  cwd?: string;
  /** Injected for tests; production uses the system clock, crypto randomness, the global dispatcher. */
  clock?: Clock;
  random?: Random;
  dispatcher?: Deps['dispatcher'];
}

export interface App extends AppParts {
  accessTokens: AccessTokenStore;
  /** The view `stdio` and `serve` consume. */
  mcp: McpRuntime;
  /** The view the operator commands and the connect endpoints consume; built on first use. */
  operator(): Promise<OperatorRuntime>;
}

export async function openApp(o: OpenAppOptions): Promise<App> {
  const config = loadConfig({ env: o.env, ...(o.flags ? { flags: o.flags } : {}), ...(o.cwd ? { cwd: o.cwd } : {}) });
  // Lines batched per event-loop turn (src/core/log-lines.ts); the rest written by close().
  const logger = createLogger({ level: config.logLevel as LogLevel, write: o.stderr });
  const deps: Deps = {
    clock: o.clock ?? systemClock,
    random: o.random ?? cryptoRandom,
    logger,
    ...(o.dispatcher ? { dispatcher: o.dispatcher } : {}),
  };
  const { registry, checkServed } = await loadDefinitions(config, deps.logger, o.expressions);
  const store = await openStore(config, {
    clock: deps.clock,
    notice: o.notice ?? ((l) => o.stderr(l + '\n')),
    ...(o.create ? { create: true } : {}),
    secretContextFields: (i) => (registry.has(i) ? secretContextKeys(registry.get(i)) : []),
  });
  const oauthClients = config.oauthClients();
  const envOverrides = config.environments;
  const insecureHosts = config.insecureHosts;
  if (insecureHosts.length > 0 && o.warnInsecureHosts !== false) {
    deps.logger.warn('insecureHosts is set: provider URLs on these loopback hosts may use plain http (local development only)', { insecure_hosts: insecureHosts });
  }
  const core = composeCore({
    deps,
    registry,
    store,
    env: o.env,
    ...(oauthClients ? { oauthClients } : {}),
    envOverrides,
    insecureHosts,
    auditRetention: config.auditRetention,
    webhookEndpoints: webhookEndpointsFromEnv(o.env),
  });
  const engine = createEngine({ registry, tokens: core.tokens, deps, envOverrides, insecureHosts, cursorKeys: store.keyring, idempotency: { kv: store.kv, keyring: store.keyring } });
  const publicBaseUrl = o.env.CRM_MCP_PUBLIC_URL || config.publicUrl;
  const close = async () => {
    try {
      core.scheduler.stop();
      // Refreshed tokens the store has not taken yet are stored now or named in the log (bounded).
      await core.tokens.flush();
      await store.close();
    } finally {
      logger.flush();
    }
  };
  let operator: Promise<OperatorRuntime> | undefined;
  let scheduling = false;
  const mcp: McpRuntime = {
    accounts: o.expressions === 'deferred' ? checkedOnRead(core.serving.accounts, checkServed) : core.serving.accounts,
    accessTokens: core.serving.accessTokens,
    kv: store.kv,
    engine,
    deps,
    reauth: createReauthFlow({ random: deps.random, kv: store.kv, keyring: store.keyring }),
    scheduler: {
      ...core.scheduler,
      start() {
        scheduling = true;
        core.scheduler.start();
      },
    },
    // The connect endpoints share this process's store and token manager, so a reconnect
    // reactivates the account being served; their modules load on the first /connect/ request.
    connectHandler(listeningUrl) {
      let handler: Promise<ConnectHandler> | undefined;
      return async (req, res) => {
        handler ??= Promise.all([app.operator(), import('../connect/handler.js')]).then(([rt, m]) => m.connectHandlerFor(rt, app.publicBaseUrl ?? listeningUrl));
        return (await handler)(req, res);
      };
    },
    crmName: (integration) => (registry.has(integration) ? registry.get(integration).display_name : undefined),
    ...(publicBaseUrl ? { publicBaseUrl } : {}),
    close,
  };
  const app: App = {
    config,
    deps,
    registry,
    store,
    core,
    engine,
    accessTokens: core.serving.accessTokens,
    mcp,
    // Loaded on first use: `stdio` never pays for the connect flow's modules.
    operator: () => (operator ??= import('./operator.js').then((m) => m.buildOperatorRuntime(app))),
    ...(publicBaseUrl ? { publicBaseUrl } : {}),
    schedulerRunning: () => scheduling,
    close,
  };
  return app;
}

/** Reads that first check what the account is served with: its definition and environment override. */
function checkedOnRead(store: AccountStore, checkServed: OpenedDefinitions['checkServed']): AccountStore {
  return {
    ...store,
    async get(id) {
      const account = await store.get(id);
      if (account) await checkServed(account.integration, account.environment);
      return account;
    },
  };
}
