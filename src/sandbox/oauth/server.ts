/**
 * A standalone fake authorization server (any flavor) on loopback, for token-manager and connect
 * tests that need only OAuth. Routes: `POST /token`, `GET /authorize`, `POST /introspect`,
 * `POST|GET /revoke` (plus the flavor's real paths: `/oauth/v1/token`, `/oauth/v3/token`,
 * `/services/oauth2/token`, `/oauth/v2/token`, ...).
 */
import { RequestLog, startLoopback, type IncomingCall, type Reply } from '../http.js';
import { handleAuthorize, handleIntrospect, handleRevoke } from './endpoints.js';
import { FakeOAuthProvider } from './provider.js';
import type { FakeOAuthOptions } from './types.js';

export interface FakeOAuthServer {
  url: string;
  tokenUrl: string;
  authorizeUrl: string;
  introspectUrl: string;
  revokeUrl: string;
  provider: FakeOAuthProvider;
  log: RequestLog;
  close(): Promise<void>;
}

const TOKEN = new Set(['/token', '/oauth/token', '/oauth/v1/token', '/oauth/v3/token', '/oauth/2026-03/token', '/services/oauth2/token', '/oauth/v2/token']);
const AUTHORIZE = new Set(['/authorize', '/oauth/authorize', '/services/oauth2/authorize', '/oauth/v2/auth']);
const INTROSPECT = new Set(['/introspect', '/oauth/v3/token/introspect', '/services/oauth2/introspect']);
const REVOKE = new Set(['/revoke', '/oauth/v3/token/revoke', '/services/oauth2/revoke', '/oauth/v2/token/revoke']);

/** Routes a call to the OAuth endpoints; undefined when the path is not an OAuth one. */
export async function routeOAuth(p: FakeOAuthProvider, call: IncomingCall): Promise<Reply | undefined> {
  const path = call.url.pathname;
  if (TOKEN.has(path)) {
    if (call.method !== 'POST') return { status: 405, json: { error: 'invalid_request', error_description: 'must use HTTP POST' } };
    return p.handleToken(call, { hubspotV3: p.flavor === 'hubspot' && path !== '/oauth/v1/token' });
  }
  if (AUTHORIZE.has(path) && call.method === 'GET') return handleAuthorize(p, call);
  if (INTROSPECT.has(path) && call.method === 'POST') return handleIntrospect(p, call);
  if (REVOKE.has(path) && (call.method === 'POST' || (call.method === 'GET' && p.flavor === 'salesforce'))) return handleRevoke(p, call);
  return undefined;
}

export async function startFakeOAuthServer(opts: FakeOAuthOptions & { port?: number } = {}): Promise<FakeOAuthServer> {
  const provider = new FakeOAuthProvider(opts);
  const log = new RequestLog();
  const srv = await startLoopback(
    async (call) => (await routeOAuth(provider, call)) ?? { status: 404, json: { error: 'not_found' } },
    { port: opts.port, log, now: () => provider.clock.now() },
  );
  if (opts.issuerUrl === undefined) provider.issuerUrl = srv.url;
  if (provider.settings.instanceUrl === undefined && (provider.flavor === 'salesforce' || provider.flavor === 'zoho')) provider.settings.instanceUrl = srv.url;
  return {
    url: srv.url,
    tokenUrl: `${srv.url}/token`,
    authorizeUrl: `${srv.url}/authorize`,
    introspectUrl: `${srv.url}/introspect`,
    revokeUrl: `${srv.url}/revoke`,
    provider,
    log,
    close: srv.close,
  };
}
