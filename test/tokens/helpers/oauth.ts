/**
 * The token tests' OAuth provider is the sandbox's (src/sandbox/oauth): per-flavor wire bodies
 * from PROVIDERS.md, client authentication on every request, rotation whose reuse revokes the
 * whole grant, Salesforce without `expires_in`, Zoho's HTTP 200 `invalid_code`, queued faults
 * and request counts. This wrapper only holds answers back (the provider has already acted; only
 * the answer waits) — for a real-time delay that widens race windows, or until a test releases
 * it — and gives the refresh config a token manager needs to talk to it.
 */
import type { OAuthRefreshConfig } from '../../../src/oauth/refresh.js';
import { startLoopback } from '../../../src/sandbox/http.js';
import { DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, FakeOAuthProvider, routeOAuth, type FakeOAuthOptions } from '../../../src/sandbox/oauth/index.js';

export interface TestOAuth {
  url: string;
  tokenUrl: string;
  introspectUrl: string;
  provider: FakeOAuthProvider;
  /** Refresh config for this server with the registered client's credentials. */
  config(over?: Partial<OAuthRefreshConfig>): OAuthRefreshConfig;
  /** A grant whose refresh token is `refreshToken` (its access token already expired). */
  seed(refreshToken: string): void;
  close(): Promise<void>;
}

export interface TestOAuthOptions extends FakeOAuthOptions {
  /** Real-time delay of each answer after the provider handled the request; a function gets the request's 1-based number. */
  delayMs?: number | ((n: number) => number);
  /** Called once the provider has handled a request; the answer waits until the returned promise settles. */
  holdAnswer?: () => Promise<unknown>;
}

export async function startTestOAuth(opts: TestOAuthOptions = {}): Promise<TestOAuth> {
  const provider = new FakeOAuthProvider(opts);
  let n = 0;
  const srv = await startLoopback(async (call) => {
    const reply = (await routeOAuth(provider, call)) ?? { status: 404, json: { error: 'not_found' } };
    const delay = typeof opts.delayMs === 'function' ? opts.delayMs(++n) : (opts.delayMs ?? 0);
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    if (opts.holdAnswer) await opts.holdAnswer();
    return reply;
  });
  provider.issuerUrl = srv.url;
  return {
    url: srv.url,
    tokenUrl: `${srv.url}/token`,
    introspectUrl: `${srv.url}/introspect`,
    provider,
    config: (over = {}) => ({
      tokenUrl: `${srv.url}/token`,
      clientId: DEFAULT_CLIENT_ID,
      clientSecret: DEFAULT_CLIENT_SECRET,
      clientAuth: 'client_secret_post',
      expiry: { kind: 'expires_in' },
      ...over,
    }),
    seed: (refreshToken) => void provider.seedGrant({ refreshToken, expired: true }),
    close: srv.close,
  };
}
