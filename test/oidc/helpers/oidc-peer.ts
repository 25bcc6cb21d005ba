/**
 * A real OAuth 2.0 server as the test peer: panva's `oidc-provider` on loopback, configured as a
 * strict CRM would be — authorization code with PKCE (S256, required), a confidential client
 * authenticating with client_secret_post, refresh-token rotation with reuse detection (a consumed
 * refresh token presented again revokes the whole grant: oidc-provider's own refresh_token grant),
 * short access tokens (lifetime set by the test), introspection and revocation. Beside it on the
 * same port: a test-only auto-consent interaction (login + consent granted at once) and a
 * HubSpot-shaped contacts API that accepts exactly the access tokens the provider considers valid.
 * Counts come from the provider's own events.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import Provider, { type ClientLike } from 'oidc-provider';
import { freePort } from '../../helpers/redis-server.js';

export const OIDC_CLIENT = { id: 'crm-mcp-oidc-test', secret: 'oidc-test-client-secret-0123456789' } as const;

export interface OidcStats {
  codeGrants: number;
  refreshGrants: number;
  /** `invalid_grant` for a refresh token already used: the provider revoked the grant. */
  reuseDetections: number;
  revokedGrants: number;
  apiCalls: number;
  apiRejected: number;
}

export interface OidcPeer {
  issuer: string;
  stats: OidcStats;
  /** Access-token lifetime for tokens issued from now on, seconds. */
  setLifetime(seconds: number): void;
  /** True when the provider still accepts this access token. */
  accessTokenValid(token: string): Promise<boolean>;
  /** True when the provider still accepts this refresh token (not consumed, grant alive). */
  refreshTokenValid(token: string): Promise<boolean>;
  /** The environment override pointing a definition's OAuth endpoints and API here. */
  override(): Record<string, unknown>;
  close(): Promise<void>;
}

export async function startOidcPeer(redirectUri: string): Promise<OidcPeer> {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  let lifetime = 60;
  const stats: OidcStats = { codeGrants: 0, refreshGrants: 0, reuseDetections: 0, revokedGrants: 0, apiCalls: 0, apiRejected: 0 };
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: OIDC_CLIENT.id,
        client_secret: OIDC_CLIENT.secret,
        redirect_uris: [redirectUri],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_post',
      },
    ],
    pkce: { required: () => true },
    features: { devInteractions: { enabled: false }, introspection: { enabled: true }, revocation: { enabled: true } },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    // Every code grant of this client gets a refresh token, and every refresh rotates it.
    issueRefreshToken: async (_ctx: unknown, client: ClientLike) => client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: true,
    ttl: { AccessToken: () => lifetime, IdToken: 3_600, AuthorizationCode: 60, RefreshToken: 86_400, Grant: 86_400, Session: 3_600, Interaction: 600 },
    findAccount: async (_ctx: unknown, sub: string) => ({ accountId: sub, claims: async () => ({ sub }) }),
    cookies: { keys: ['oidc-test-cookie-key-0123456789'] },
  });
  provider.on('grant.success', (ctx) => {
    const gt = (ctx.oidc.params as { grant_type?: string } | undefined)?.grant_type;
    if (gt === 'refresh_token') stats.refreshGrants++;
    else if (gt === 'authorization_code') stats.codeGrants++;
  });
  provider.on('grant.error', (_ctx, err) => {
    if (err.error_description === 'refresh token already used') stats.reuseDetections++;
  });
  provider.on('grant.revoked', () => void stats.revokedGrants++);
  // Quiet: errors are counted above; the provider would otherwise print each to the console.
  provider.on('server_error', () => undefined);

  const accessTokenValid = async (token: string) => {
    const t = await provider.AccessToken.find(token);
    return t !== undefined && !t.isExpired;
  };

  async function autoConsent(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const details = await provider.interactionDetails(req, res);
    const { prompt, params, session } = details;
    if (prompt.name === 'login') {
      await provider.interactionFinished(req, res, { login: { accountId: 'user-1' } }, { mergeWithLastSubmission: false });
      return;
    }
    const grant = details.grantId ? await provider.Grant.find(details.grantId) : new provider.Grant({ accountId: session!.accountId, clientId: String(params.client_id) });
    const missing = prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[]; missingResourceScopes?: Record<string, string[]> };
    if (missing.missingOIDCScope) grant!.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant!.addOIDCClaims(missing.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) grant!.addResourceScope(indicator, scopes.join(' '));
    await provider.interactionFinished(req, res, { consent: { grantId: await grant!.save() } }, { mergeWithLastSubmission: true });
  }

  /** HubSpot's contacts list (date-versioned `/crm/objects/<version>/contacts` or v3), for bearer tokens the provider accepts; its 401 body otherwise. */
  async function contacts(req: IncomingMessage, res: ServerResponse): Promise<void> {
    stats.apiCalls++;
    const token = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (!token || !(await accessTokenValid(token))) {
      stats.apiRejected++;
      res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'error', message: 'The OAuth token used to make this call expired', category: 'EXPIRED_AUTHENTICATION', correlationId: 'c' }));
      return;
    }
    const at = '2026-01-01T00:00:00.000Z';
    const results = [{ id: '1', properties: { firstname: 'Ada', lastname: 'Lovelace', email: 'ada@example.com', createdate: at, lastmodifieddate: at, hs_object_id: '1' }, createdAt: at, updatedAt: at, archived: false }];
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ results }));
  }

  const handle = provider.callback();
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', issuer).pathname;
    const fail = (err: unknown) => {
      if (!res.headersSent) res.writeHead(500).end(String(err));
    };
    if (path.startsWith('/interaction/')) void autoConsent(req, res).catch(fail);
    else if (/^\/crm\/(v3\/objects|objects\/[0-9-]+)\/contacts/.test(path)) void contacts(req, res).catch(fail);
    else handle(req, res);
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));

  return {
    issuer,
    stats,
    setLifetime: (s) => void (lifetime = s),
    accessTokenValid,
    async refreshTokenValid(token) {
      const t = await provider.RefreshToken.find(token);
      if (!t || t.isExpired || t.consumed) return false;
      return (await provider.Grant.find(t.grantId)) !== undefined;
    },
    override: () => ({
      auth: {
        authorize_url: `${issuer}/auth`,
        token_url: `${issuer}/token`,
        revoke_url: `${issuer}/token/revocation`,
        introspect_url: `${issuer}/token/introspection`,
        pkce: true,
        default_scopes: ['openid'],
        client_auth: 'client_secret_post',
      },
      base_url: issuer,
    }),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
