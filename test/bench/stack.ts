/**
 * The product as the benches run it: the HubSpot sandbox on loopback (rate limits raised so the
 * bench measures us, not throttling), and the app opened and served exactly as `crm-mcp serve`
 * does (openApp + serveHttp: embedded encrypted SQLite store in a temp directory, token manager
 * refreshing at the sandbox, engine over integrations/hubspot.json, Streamable HTTP with bearer
 * MCP access tokens). Plus the two clients the benches compare: a raw JSON-RPC
 * `tools/call` over HTTP, and a direct undici request for the same page from the provider.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request, type Dispatcher } from 'undici';
import type { AccessTokenStore } from '../../src/access-tokens/store.js';
import type { LinkedAccount } from '../../src/accounts/model.js';
import { openApp } from '../../src/app/open-app.js';
import type { OpenedStore } from '../../src/app/open-store.js';
import { serveHttp } from '../../src/app/serve-http.js';
import type { Deps } from '../../src/core/deps.js';
import { DEMO_ENVIRONMENT, sandboxConfig } from '../../src/demo/sandbox-env.js';
import type { RunningHttpServer } from '../../src/http/server.js';
import type { IntegrationRegistry } from '../../src/integrations/index.js';
import type { McpRuntime } from '../../src/mcp/runtime.js';
import { startSandboxes, type Sandboxes } from '../../src/sandbox/index.js';
import type { TokenManager } from '../../src/tokens/manager.js';

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
  // The demo's wiring (the sandbox environment's endpoints on the fakes, the sandbox's OAuth
  // clients as the operator's own), opened by the same composition root as `serve`.
  const configFile = join(dir, 'config.json');
  writeFileSync(configFile, JSON.stringify(sandboxConfig(sb)));
  // Production log level (info): lines formatted and redacted, then dropped instead of written.
  const app = await openApp({ flags: { config: configFile, dataDir: dir, logLevel: 'info' }, env: {}, create: true, stderr: () => {}, dispatcher: new Agent({ connections: 256 }) });
  const { registry, deps, store } = app;
  const def = registry.get('hubspot');
  const tokens = app.core.tokens;
  // How long each tool call waited for its access token: the engine's token provider, timed in place.
  let waits: number[] | undefined;
  const untimed = tokens.getAccessToken.bind(tokens);
  tokens.getAccessToken = async (...args: Parameters<TokenManager['getAccessToken']>) => {
    const t0 = performance.now();
    try {
      return await untimed(...args);
    } finally {
      waits?.push(performance.now() - t0);
    }
  };
  const rt = app.mcp;
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
  const accessTokens = app.accessTokens;
  const mcpToken = (await accessTokens.create({ tenantId: account.tenant_id, accountId: account.id })).token;
  const serving = await serveHttp(rt, { port: 0 });
  const http = serving.http;

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
      await serving.close();
      await client.close();
      await app.close();
      await sb.close();
      await deps.dispatcher?.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
