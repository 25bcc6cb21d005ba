/**
 * crm-mcp as the bench runs it: `node dist/cli/main.js serve` (the published entry point, no tsx)
 * in a process of its own, over the embedded encrypted store in a temp directory, with the config
 * file the demo writes for the sandboxes (src/demo/sandbox-env.ts) pointing at the provider
 * fake's process. The bench seeds one linked account and one MCP access token through the same
 * composition root before `serve` starts, and later edits the stored token's expiry from this
 * process, as another replica would.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openApp, type App } from '../../src/app/open-app.js';
import { DEMO_ENVIRONMENT } from '../../src/demo/sandbox-env.js';
import type { IntegrationRegistry } from '../../src/integrations/index.js';
import { cliArgs, ROOT } from '../helpers/dist.js';
import { PROBE_FLAGS } from './probe.js';
import { startProc, type Proc } from './procs.js';
import type { Provider } from './provider.js';

export const ACCOUNT_ID = 'bench-hubspot';

export interface CrmServe {
  proc: Proc;
  /** `<base>/mcp`: the token picks the account. */
  url: string;
  mcpToken: string;
  registry: IntegrationRegistry;
  /** The HubSpot fields list_contacts asks the provider for (to request the same page directly). */
  contactFields: readonly string[];
  /** Sets the stored access token's expiry to the past, from this process (another replica's write). */
  expireStoredToken(): Promise<void>;
  close(): Promise<void>;
}

export async function startCrmServe(provider: Provider): Promise<CrmServe> {
  const dir = mkdtempSync(join(tmpdir(), 'crm-mcp-bench-'));
  const configFile = join(dir, 'config.json');
  writeFileSync(configFile, JSON.stringify(provider.config));
  // Production log level (info), as an operator runs it.
  const flags = { config: configFile, dataDir: dir, logLevel: 'info' as const };
  const open = (create: boolean) => openApp({ flags, env: {}, create, stderr: () => {} });
  const withApp = async <T>(create: boolean, fn: (app: App) => Promise<T>): Promise<T> => {
    const app = await open(create);
    try {
      return await fn(app);
    } finally {
      await app.close();
    }
  };
  const g = provider.grant;
  const seeded = await withApp(true, async (app) => {
    const now = new Date().toISOString();
    const account = await app.store.accounts.put({
      id: ACCOUNT_ID, tenant_id: 'bench-tenant', integration: 'hubspot', environment: DEMO_ENVIRONMENT, status: 'active', authentication_method: 'oauth2',
      context: { oauth: { token: { access_token: g.accessToken, refresh_token: g.refreshToken!, expires_at: new Date(g.expiresAt).toISOString(), token_type: 'bearer' } } },
      created_at: now, updated_at: now, version: 0,
    });
    const token = (await app.accessTokens.create({ tenantId: account.tenant_id, accountId: account.id })).token;
    return { token, registry: app.registry, fields: app.registry.get('hubspot').resources.contacts?.fields ?? [] };
  });
  let proc: Proc;
  try {
    proc = await startProc('crm-mcp serve', process.execPath, [...PROBE_FLAGS, ...cliArgs('serve', '--port', '0', '--config', configFile, '--data-dir', dir, '--log-level', 'info')], { readyKey: 'listening', cwd: ROOT });
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return {
    proc, url: String(proc.ready.listening), mcpToken: seeded.token, registry: seeded.registry, contactFields: seeded.fields,
    expireStoredToken: () =>
      withApp(false, async (app) => {
        await app.store.accounts.update(ACCOUNT_ID, (a) => ({ ...a, context: { ...a.context, oauth: { token: { ...a.context.oauth!.token, expires_at: new Date(Date.now() - 60_000).toISOString() } } } }));
      }),
    async close() {
      await proc.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
