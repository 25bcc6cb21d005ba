/**
 * The product as the benches run it: the HubSpot sandbox on loopback (rate limits raised so the
 * bench measures us, not throttling), the embedded encrypted SQLite store in a temp directory,
 * the credential core (composeCore: token manager, scheduler) refreshing at the sandbox, the
 * engine over integrations/hubspot.json (buildMcpRuntime, as `crm-mcp serve` composes them)
 * and the real Streamable HTTP server with bearer MCP access tokens. Plus the two clients the benches compare: a raw JSON-RPC
 * `tools/call` over HTTP, and a direct undici request for the same page from the provider.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request, type Dispatcher } from 'undici';
import { createAccessTokenStore, type AccessTokenStore } from '../access-tokens/store.js';
import type { LinkedAccount } from '../accounts/model.js';
import { loadConfig } from '../app/config.js';
import { composeCore } from '../app/core.js';
import { openStore, type OpenedStore } from '../app/open-store.js';
import { cryptoRandom, systemClock, type Deps } from '../core/deps.js';
import { createLogger } from '../core/logger.js';
import { DEMO_ENVIRONMENT, sandboxWiring } from '../demo/sandbox-env.js';
import { startHttpServer, type RunningHttpServer } from '../http/server.js';
import { loadRegistry, secretContextKeys, type IntegrationRegistry } from '../integrations/index.js';
import { buildMcpRuntime } from '../mcp/compose.js';
import type { McpRuntime } from '../mcp/runtime.js';
import { startSandboxes, type Sandboxes } from '../sandbox/index.js';
import type { TokenManager } from '../tokens/manager.js';
import type { TokenProvider } from '../tokens/types.js';

export const ACCOUNT_ID = 'bench-hubspot';
export const PAGE = 100;
const ENVIRONMENT = DEMO_ENVIRONMENT;
/** The rate limit the sandbox runs with during the benches (HubSpot's real one is 100 per 10 s). */
export const RAISED_LIMIT = { max: 10_000_000, intervalMs: 10_000 };

export interface BenchStack {
  sb: Sandboxes;
  store: OpenedStore;
  registry: IntegrationRegistry;
  deps: Deps;
  tokens: TokenManager;
  rt: McpRuntime;
  http: RunningHttpServer;
  accessTokens: AccessTokenStore;
  mcpToken: string;
  account: LinkedAccount;
  /** The provider path list_contacts requests (same query the engine builds). */
  providerPageUrl: string;
  /** `tools/call list_contacts` over Streamable HTTP; resolves to the number of contacts returned. */
  callListContacts(limit?: number, via?: Dispatcher): Promise<number>;
  /** The same page straight from the provider with undici; resolves to the number of records. */
  directPage(limit?: number): Promise<number>;
  /** Starts recording each tool call's wait for its access token; the returned function stops and returns them (ms). */
  recordTokenWaits(): () => number[];
  /** Re-reads the stored access token `directPage` presents (after a refresh). */
  syncToken(): Promise<void>;
  /** Sets the stored token's expiry to the past (and expires it at the provider). */
  expireToken(): Promise<void>;
  close(): Promise<void>;
}

export async function startBenchStack(opts: { clientConnections?: number } = {}): Promise<BenchStack> {
  const dir = mkdtempSync(join(tmpdir(), 'crm-mcp-bench-'));
  const sb = await startSandboxes({ hubspot: { rateLimit: { ...RAISED_LIMIT, searchPerSecond: false } } });
  const grant = sb.grants!.hubspot;
  const registry = loadRegistry();
  // Production log level (info), lines formatted and redacted, then dropped instead of written.
  const deps: Deps = { clock: systemClock, random: cryptoRandom, logger: createLogger({ level: 'info', sink: () => {} }), dispatcher: new Agent({ connections: 256 }) };
  const config = loadConfig({ env: { CRM_MCP_DATA_DIR: dir }, cwd: dir });
  const store = await openStore(config, {
    notice: () => {},
    secretContextFields: (i) => (registry.has(i) ? secretContextKeys(registry.get(i)) : []),
  });
  const def = registry.get('hubspot');
  // The demo's wiring: the sandbox environment moves API and token endpoints to the fakes and the
  // sandbox's OAuth clients are the operator's own. Token manager + scheduler as every entry point has them.
  const { envOverrides, extraAllowedHosts, oauthClients } = sandboxWiring(sb);
  const core = composeCore({ deps, registry, store, env: {}, envOverrides, extraAllowedHosts, webhookEndpoints: [], oauthClients });
  const tokens = core.tokens;
  // The engine's token provider, timed: how long each tool call waited for its access token.
  let waits: number[] | undefined;
  const timedTokens: TokenProvider = {
    async getAccessToken(account, o) {
      const t0 = performance.now();
      try {
        return await tokens.getAccessToken(account, o);
      } finally {
        waits?.push(performance.now() - t0);
      }
    },
  };
  const rt = buildMcpRuntime({ kv: store.kv, accounts: store.accounts, deps, registry, tokens: timedTokens, envOverrides, extraAllowedHosts, close: () => store.close() });
  const now = new Date().toISOString();
  const account = await store.accounts.put({
    id: ACCOUNT_ID,
    tenant_id: 'bench-tenant',
    integration: 'hubspot',
    environment: ENVIRONMENT,
    status: 'active',
    authentication_method: 'oauth2',
    context: { oauth: { token: { access_token: grant.accessToken, refresh_token: grant.refreshToken!, expires_at: new Date(grant.expiresAt).toISOString(), token_type: 'bearer' } } },
    created_at: now,
    updated_at: now,
    version: 0,
  });
  const accessTokens = createAccessTokenStore({ kv: store.kv, clock: deps.clock, random: deps.random });
  const mcpToken = (await accessTokens.create({ tenantId: account.tenant_id, accountId: account.id })).token;
  const http = await startHttpServer({ port: 0, engine: rt.engine, deps, accounts: store.accounts, auth: { mode: 'tokens', tokens: accessTokens }, crmName: (i) => rt.crmName(i) });

  const client = new Agent({ connections: opts.clientConnections ?? 1024, pipelining: 1 });
  const mcpUrl = `${http.url}/accounts/${ACCOUNT_ID}/mcp`;
  const mcpHeaders = { authorization: `Bearer ${mcpToken}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-06-18' };
  const fields = def.resources.contacts!.fields ?? [];
  const pageUrl = (limit: number) => `${sb.hubspot.url}/crm/v3/objects/contacts?limit=${limit}&properties=${encodeURIComponent(fields.join(','))}`;
  let rpcId = 0;
  let providerToken = grant.accessToken;

  return {
    sb, store, registry, deps, tokens, rt, http, accessTokens, mcpToken, account,
    providerPageUrl: pageUrl(PAGE),
    async callListContacts(limit = PAGE, via = client) {
      const body = JSON.stringify({ jsonrpc: '2.0', id: ++rpcId, method: 'tools/call', params: { name: 'list_contacts', arguments: { limit } } });
      const res = await request(mcpUrl, { method: 'POST', headers: mcpHeaders, body, dispatcher: via });
      const msg = (await res.body.json()) as { result?: { isError?: boolean; structuredContent?: { contacts?: unknown[] }; content?: Array<{ text?: string }> }; error?: unknown };
      if (res.statusCode !== 200 || !msg.result || msg.result.isError) throw new Error(`tools/call list_contacts failed: HTTP ${res.statusCode} ${JSON.stringify(msg.error ?? msg.result?.content?.[0]?.text ?? '')}`);
      return msg.result.structuredContent?.contacts?.length ?? 0;
    },
    async directPage(limit = PAGE) {
      const res = await request(pageUrl(limit), { headers: { authorization: `Bearer ${providerToken}`, accept: 'application/json' }, dispatcher: client });
      const body = (await res.body.json()) as { results?: unknown[] };
      if (res.statusCode !== 200) throw new Error(`provider page failed: HTTP ${res.statusCode}`);
      return body.results?.length ?? 0;
    },
    recordTokenWaits() {
      const mine: number[] = [];
      waits = mine;
      return () => {
        waits = undefined;
        return mine;
      };
    },
    async syncToken() {
      providerToken = (await store.accounts.get(ACCOUNT_ID))?.context.oauth?.token.access_token ?? providerToken;
    },
    async expireToken() {
      await store.accounts.update(ACCOUNT_ID, (a) => ({ ...a, context: { ...a.context, oauth: { token: { ...a.context.oauth!.token, expires_at: new Date(Date.now() - 60_000).toISOString() } } } }));
      sb.hubspot.oauth.expireAllAccessTokens();
    },
    async close() {
      await http.close();
      await client.close();
      await rt.close();
      await sb.close();
      await deps.dispatcher?.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
