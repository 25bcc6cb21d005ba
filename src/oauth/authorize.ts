/** The authorization request (RFC 6749 §4.1.1, PKCE S256 per RFC 7636): the consent URL. Pure. */
export interface AuthorizeEndpoint {
  authorizeUrl: string;
  scopes: string[];
  scopeSeparator: string;
  /** Extra query parameters the provider needs (e.g. `access_type=offline`). */
  authorizeParams?: Record<string, string>;
}

export function buildAuthorizeUrl(ep: AuthorizeEndpoint, client: { clientId: string; scopes?: string[] | undefined }, p: { redirectUri: string; state: string; codeChallenge?: string }): string {
  const url = new URL(ep.authorizeUrl);
  const q = url.searchParams;
  q.set('response_type', 'code');
  q.set('client_id', client.clientId);
  q.set('redirect_uri', p.redirectUri);
  const scopes = client.scopes ?? ep.scopes;
  if (scopes.length > 0) q.set('scope', scopes.join(ep.scopeSeparator));
  q.set('state', p.state);
  if (p.codeChallenge) {
    q.set('code_challenge', p.codeChallenge);
    q.set('code_challenge_method', 'S256');
  }
  for (const [k, v] of Object.entries(ep.authorizeParams ?? {})) q.set(k, v);
  return url.toString();
}
