/**
 * A fresh in-memory world for one in-process CLI run: an operator runtime and an MCP runtime with
 * accounts, a real key file with an old key nobody uses, a fake demo, and openers that record the
 * flags each command opened the app with.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { createAccessTokenStore } from '../../../src/access-tokens/store.js';
import type { CliOpeners, KeySetup, RuntimeFlags } from '../../../src/cli/open.js';
import type { DemoOptions } from '../../../src/demo/run.js';
import type { SandboxOptions } from '../../../src/demo/sandbox.js';
import { createEncryptingCodec } from '../../../src/crypto/encrypting-codec.js';
import { addCurrentKey, createKeyFileIfAbsent, keyringFromFile, readKeyFile } from '../../../src/crypto/key-file.js';
import { loadRegistry } from '../../../src/integrations/index.js';
import { createAccountStore } from '../../../src/store/kv-account-store.js';
import { createMemoryKv } from '../../helpers/memory-kv.js';
import { captureIo, memoryRuntime } from '../../mcp/helpers/memory-runtime.js';
import { memoryOperatorRuntime, oauthAccount } from './operator-runtime.js';

export const HUBSPOT_SPEC = {
  integration: 'hubspot',
  authorizeUrl: 'https://app.hubspot.com/oauth/authorize',
  tokenUrl: 'https://api.hubapi.com/oauth/v3/token',
  pkce: false,
  scopes: ['crm.objects.contacts.read'],
  scopeSeparator: ' ',
  clientAuth: 'client_secret_post' as const,
  contextCapture: [],
};

/** A real temp data dir with a config file and an NDJSON file of one importable record. */
export function tempDataDir(): { dir: string; config: string; importFile: string } {
  const dir = mkdtempSync(join(tmpdir(), 'crm-cli-walk-'));
  const config = join(dir, 'config.json');
  writeFileSync(config, JSON.stringify({ dataDir: join(dir, 'from-config') }));
  const importFile = join(dir, 'in.ndjson');
  writeFileSync(importFile, JSON.stringify({ id: 'imp-1', integration: 'hubspot', tenant_id: 't', authentication_method: 'oauth2', context: { oauth: { token: { access_token: 'at-1', refresh_token: 'rt-1' } } } }) + '\n');
  return { dir, config, importFile };
}

export interface World {
  open: CliOpeners;
  /** The flags each opener was called with, by view. */
  /** `create`: the command asked to create a missing store and its key (init, account writes). */
  opened: Array<{ view: keyof CliOpeners; flags?: RuntimeFlags; demo?: DemoOptions; sandbox?: SandboxOptions; create?: boolean }>;
  io: ReturnType<typeof captureIo> & { stdin: Readable };
  tokenId: string;
  oldKid: string;
}

export async function world(dir: string): Promise<World> {
  const opened: World['opened'] = [];
  // OAuth clients only for hubspot: `connect --integration salesforce` fails (1) after opening.
  const operator = memoryOperatorRuntime({ env: { CRM_MCP_HUBSPOT_CLIENT_ID: 'hub-client', CRM_MCP_HUBSPOT_CLIENT_SECRET: 'hub-secret' }, specs: { hubspot: HUBSPOT_SPEC, salesforce: { ...HUBSPOT_SPEC, integration: 'salesforce' } } });
  operator.retryRefresh = async (id) => (await operator.accounts.get(id))!;
  await operator.accounts.put(oauthAccount({ id: 'a1', handed_off: true }));
  const mcp = await memoryRuntime();
  const { info } = await createAccessTokenStore({ kv: mcp.kv, clock: mcp.deps.clock, random: mcp.deps.random }).create({ tenantId: 'tenant-a', accountId: 'a-acct' });
  const keysFile = join(mkdtempSync(join(dir, 'keys-')), 'keys.json');
  const oldKid = createKeyFileIfAbsent(keysFile, new Date()).file.current;
  addCurrentKey(keysFile, new Date());
  const keys: KeySetup = {
    keysFile,
    keysFromEnv: false,
    async open() {
      const keyring = keyringFromFile(keysFile, readKeyFile(keysFile)!);
      const kv = createMemoryKv(mcp.deps.clock);
      const codec = createEncryptingCodec({ keyring });
      return { kv, codec, keyring, accounts: createAccountStore({ kv, codec, clock: mcp.deps.clock }), audit: { append: async () => undefined }, sealed: [], close: async () => {} };
    },
  };
  const open: CliOpeners = {
    operator: async (flags, _io, intent) => (opened.push({ view: 'operator', flags, ...(intent?.create ? { create: true } : {}) }), operator),
    mcp: async (flags) => (opened.push({ view: 'mcp', flags }), mcp),
    keys: async (flags) => (opened.push({ view: 'keys', flags }), keys),
    integrations: async (flags) => (opened.push({ view: 'integrations', flags }), { registry: loadRegistry(), close: async () => {} }),
    demo: async (o) => {
      opened.push({ view: 'demo', demo: o });
      return { ok: true, url: 'http://127.0.0.1:1/mcp', accounts: [], results: [], close: async () => {} };
    },
    sandbox: async (o) => {
      opened.push({ view: 'sandbox', sandbox: o });
      const url = 'http://127.0.0.1:1';
      return { dataDir: o.dataDir, configFile: join(o.dataDir, 'config.json'), hubspotUrl: url, salesforceUrl: url, mcpUrl: `${url}/mcp`, ports: { hubspot: 1, salesforce: 1, mcp: 1 }, accounts: [], close: async () => {} };
    },
  };
  return { open, opened, io: { ...captureIo({ API_KEY: 'key-1' }), stdin: Readable.from([]) }, tokenId: info.id, oldKid };
}
