import { describe, expect, it } from 'vitest';
import { loadRegistry, resolveDefinition, type Json } from '../../src/integrations/index.js';
import type { OAuthResponse } from '../../src/oauth/http.js';
import { buildRefreshRequest, processRefreshResponse, refreshConfigFor } from '../../src/oauth/refresh.js';

const r = (status: number, json: unknown, headers: Record<string, string> = {}): OAuthResponse => ({ reached: true, status, json, headers });
const registry = loadRegistry();
const client = { client_id: 'id', client_secret: 'sec' };
/** The refresh config production builds for `integration`, with an environment override of the definition. */
const configFor = (integration: string, override?: Json) => refreshConfigFor(resolveDefinition(registry.get(integration), override, {}), client);
const kind = (cfg: Parameters<typeof processRefreshResponse>[0], res: OAuthResponse) => {
  const out = processRefreshResponse(cfg, res, 0);
  return out.ok ? 'ok' : out.failure.kind;
};
const ZOHO = { tokenErrors: { revoked: [{ error: ['invalid_code'] }], misconfigured: [] } };

describe('refresh response classification', () => {
  it.each([
    ['RFC invalid_grant (any definition)', 'salesforce', r(400, { error: 'invalid_grant' }), 'revoked'],
    ['Salesforce invalid_grant', 'salesforce', r(400, { error: 'invalid_grant', error_description: 'expired access/refresh token' }), 'revoked'],
    ['HubSpot v3 dead refresh token', 'hubspot', r(400, { error: 'invalid_grant', error_description: 'refresh token is invalid, expired or revoked', status: 'BAD_REFRESH_TOKEN', message: 'x' }), 'revoked'],
    ['HubSpot older BAD_REFRESH_TOKEN (status only)', 'hubspot', r(400, { status: 'BAD_REFRESH_TOKEN', message: 'x' }), 'revoked'],
    ['invalid_client', 'hubspot', r(401, { error: 'invalid_client' }), 'misconfigured'],
    ['unauthorized_client', 'hubspot', r(400, { error: 'unauthorized_client' }), 'misconfigured'],
    ['Salesforce unsupported_grant_type', 'salesforce', r(400, { error: 'unsupported_grant_type' }), 'misconfigured'],
    ['401 without a code', 'hubspot', r(401, undefined), 'misconfigured'],
    ['500', 'hubspot', r(500, undefined), 'transient'],
    ['503 html', 'hubspot', r(503, undefined), 'transient'],
    ['429', 'hubspot', r(429, {}), 'rate_limited'],
    ['200 garbage', 'hubspot', r(200, undefined), 'invalid_response'],
    ['a 400 nobody declared', 'hubspot', r(400, { error: 'invalid_request' }), 'invalid_response'],
  ])('%s', (_n, integration, res, expected) => {
    expect(kind(configFor(integration), res)).toBe(expected);
  });

  it('an unreachable token endpoint is transient', () => {
    expect(processRefreshResponse({}, { reached: false, host: 'x', cause: 'ECONNREFUSED' }, 0)).toEqual({ ok: false, failure: { kind: 'transient', reason: 'network error or timeout reaching the token endpoint' } });
  });

  it("a definition's token_errors drive the classification: change them and the same body is classified differently", () => {
    const oldHubSpot = r(400, { status: 'BAD_REFRESH_TOKEN', message: 'missing or invalid refresh token' });
    expect(kind(configFor('hubspot'), oldHubSpot)).toBe('revoked');
    expect(kind(configFor('salesforce'), oldHubSpot)).toBe('invalid_response');
    expect(kind(configFor('hubspot', { auth: { token_errors: { revoked: [], misconfigured: [] } } }), oldHubSpot)).toBe('invalid_response');
    const declared = { auth: { token_errors: { revoked: [{ error: ['invalid_request'] }], misconfigured: [{ status: [403] }] } } };
    expect(kind(configFor('hubspot', declared), r(400, { error: 'invalid_request' }))).toBe('revoked');
    expect(kind(configFor('hubspot', declared), r(403, {}))).toBe('misconfigured');
    // Zoho's dead grant is an HTTP 200 with an error body: a failure, revoked once declared.
    expect(kind({}, r(200, { error: 'invalid_code' }))).toBe('invalid_response');
    expect(kind(ZOHO, r(200, { error: 'invalid_code' }))).toBe('revoked');
  });

  it("a revoked grant's reason carries the provider's own words, on one bounded line", () => {
    const reason = (cfg: Parameters<typeof kind>[0], res: OAuthResponse) => {
      const out = processRefreshResponse(cfg, res, 0);
      return out.ok ? '' : out.failure.reason;
    };
    expect(reason(configFor('salesforce'), r(400, { error: 'invalid_grant', error_description: 'expired access/refresh token' }))).toBe('provider rejected the refresh token (invalid_grant: expired access/refresh token)');
    expect(reason(configFor('hubspot'), r(400, { status: 'BAD_REFRESH_TOKEN', message: 'missing or invalid refresh token' }))).toBe('provider rejected the refresh token (bad_refresh_token: missing or invalid refresh token)');
    expect(reason({}, r(400, { error: 'invalid_grant' }))).toBe('provider rejected the refresh token (invalid_grant)');
    const long = reason({}, r(400, { error: 'invalid_grant', error_description: 'a\nb ' + 'x'.repeat(500) }));
    expect(long).not.toContain('\n');
    expect(long.length).toBeLessThan(260);
  });

  it('429 honours Retry-After', () => {
    const out = processRefreshResponse({}, r(429, {}, { 'retry-after': '7' }), 0);
    expect(out.ok ? undefined : out.failure.retryAfterMs).toBe(7000);
  });

  it('a 200 with an access token is success; a 200 with error is not; expires_in and Salesforce issued_at are read', () => {
    const ok = processRefreshResponse({}, r(200, { access_token: 'x', expires_in: '60', issued_at: '1767225600000' }), 0);
    expect(ok).toMatchObject({ ok: true, tokens: { access_token: 'x', expires_in: 60, issued_at_ms: 1767225600000 } });
    expect(processRefreshResponse({}, r(200, { access_token: 'x', error: 'invalid_code' }), 0).ok).toBe(false);
  });

  it('client_secret_basic puts credentials in the header, post in the body', () => {
    const cfg = { tokenUrl: 'https://x/token', clientId: 'id', clientSecret: 'sec', expiry: { kind: 'expires_in' as const } };
    const basic = buildRefreshRequest({ ...cfg, clientAuth: 'client_secret_basic' }, 'rt');
    expect(basic.headers.authorization).toBe('Basic ' + Buffer.from('id:sec').toString('base64'));
    expect(basic.body).not.toContain('sec');
    const post = buildRefreshRequest({ ...cfg, clientAuth: 'client_secret_post' }, 'rt');
    expect(new URLSearchParams(post.body).get('client_secret')).toBe('sec');
    expect(post.headers.authorization).toBeUndefined();
  });
});
