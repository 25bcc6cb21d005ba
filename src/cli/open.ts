/**
 * How commands reach the app (src/app/open-app.ts): one opener per view they consume. The
 * program opens a view on first use with the global flags and closes it when the command ends;
 * tests pass in-memory openers instead. Imports are lazy so `stdio` loads only what it needs.
 */
import type { ConfigFlags } from '../app/config.js';
import type { OperatorRuntime } from '../connect/runtime.js';
import type { EncryptingCodec } from '../crypto/encrypting-codec.js';
import type { Keyring } from '../crypto/keyring.js';
import type { AuditPort } from '../audit/log.js';
import type { SealedSecretSet } from '../crypto/rotate.js';
import type { DemoOptions, DemoRun } from '../demo/run.js';
import type { SandboxOptions, SandboxRun } from '../demo/sandbox.js';
import type { IntegrationRegistry } from '../integrations/registry.js';
import type { McpRuntime } from '../mcp/runtime.js';
import type { AccountStore } from '../store/account-store.js';
import type { KvStore } from '../store/kv.js';
import type { CliIo } from './io.js';

export type RuntimeFlags = ConfigFlags;
/** `create`: the command may create a missing store and its key (init, the commands that write accounts). */
export interface OpenIntent {
  create?: boolean;
  /** Check definitions' JSONata on each one's first use rather than at load (stdio: src/integrations/registry.ts). */
  deferExpressions?: boolean;
}
export type OpenRuntime = (flags: RuntimeFlags, io: CliIo, intent?: OpenIntent) => Promise<McpRuntime>;
export type OpenOperatorRuntime = (flags: RuntimeFlags, io: CliIo, intent?: OpenIntent) => Promise<OperatorRuntime>;

/** What `keys rotate|remove` work on: the encrypted store and its keyring. */
export interface KeyRuntime {
  kv: KvStore;
  accounts: AccountStore;
  codec: EncryptingCodec;
  keyring: Keyring;
  audit: AuditPort;
  /** Sealed secrets to re-seal with the accounts (the stored OAuth clients). */
  sealed: readonly SealedSecretSet[];
  close(): Promise<void>;
}

/** Where the keys come from, known before the store is opened (`--new-key` edits the key file first). */
export interface KeySetup {
  keysFile: string;
  /** Keys come from CRM_MCP_ENCRYPTION_KEY(S), which no command edits. */
  keysFromEnv: boolean;
  open(): Promise<KeyRuntime>;
}
export type OpenKeys = (flags: RuntimeFlags, io: CliIo) => Promise<KeySetup>;

/** The definitions the configuration selects (`integrations list`): no store is opened. */
export interface IntegrationsView {
  registry: IntegrationRegistry;
  close(): Promise<void>;
}
export type OpenIntegrations = (flags: RuntimeFlags, io: CliIo) => Promise<IntegrationsView>;

/** The embedded demo: its own sandboxes, store and server (src/demo/run.ts). */
export type RunDemo = (opts: DemoOptions) => Promise<DemoRun>;
/** The long-running sandbox CRMs with their own data directory (src/demo/sandbox.ts). */
export type RunSandbox = (opts: SandboxOptions) => Promise<SandboxRun>;

export interface CliOpeners {
  mcp: OpenRuntime;
  operator: OpenOperatorRuntime;
  keys: OpenKeys;
  integrations: OpenIntegrations;
  demo: RunDemo;
  sandbox: RunSandbox;
}

export const openRuntime: OpenRuntime = async (flags, io, intent) => (await openAppFor(flags, io, intent)).mcp;
export const openOperatorRuntime: OpenOperatorRuntime = async (flags, io, intent) => (await openAppFor(flags, io, intent)).operator();

const openKeys: OpenKeys = async (flags, io) => {
  const { loadConfig } = await import('../app/config.js');
  const config = loadConfig({ env: io.env, flags });
  const { current, list } = config.envKeys();
  return {
    keysFile: config.keysFile,
    keysFromEnv: Boolean(current || list),
    async open() {
      const app = await openAppFor(flags, io);
      const { kv, accounts, codec, keyring } = app.store;
      return { kv, accounts, codec, keyring, audit: app.core.audit, sealed: [app.core.clientStore], close: () => app.close() };
    },
  };
};

const openIntegrations: OpenIntegrations = async (flags, io) => {
  const [{ loadConfig }, { openDefinitions }] = await Promise.all([import('../app/config.js'), import('../app/open-app.js')]);
  return { registry: await openDefinitions(loadConfig({ env: io.env, flags })), close: async () => {} };
};

export const defaultOpeners: CliOpeners = {
  mcp: openRuntime,
  operator: openOperatorRuntime,
  keys: openKeys,
  integrations: openIntegrations,
  demo: async (opts) => (await import('../demo/run.js')).runDemo(opts),
  sandbox: async (opts) => (await import('../demo/sandbox.js')).runSandbox(opts),
};

async function openAppFor(flags: RuntimeFlags, io: CliIo, intent: OpenIntent = {}) {
  const { openApp } = await import('../app/open-app.js');
  return openApp({ flags, env: io.env, stderr: io.stderr, ...(intent.create ? { create: true } : {}), ...(intent.deferExpressions ? { expressions: 'deferred' as const } : {}) });
}
