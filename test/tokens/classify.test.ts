import { describe, expect, it } from 'vitest';
import { buildRefreshRequest, classifyRefreshFailure, classifyRefreshResponse, hostAllowed } from '../../src/oauth/refresh.js';

const r = (status: number, json: unknown, headers: Record<string, string> = {}) => ({ status, json, headers });

describe('classifyRefreshFailure', () => {
  it.each([
    ['RFC invalid_grant', r(400, { error: 'invalid_grant' }), 'revoked'],
    ['Salesforce invalid_grant', r(400, { error: 'invalid_grant', error_description: 'expired access/refresh token' }), 'revoked'],
    ['HubSpot BAD_REFRESH_TOKEN', r(400, { status: 'BAD_REFRESH_TOKEN', message: 'x' }), 'revoked'],
    ['Zoho 200 invalid_code', r(200, { error: 'invalid_code' }), 'revoked'],
    ['invalid_client', r(401, { error: 'invalid_client' }), 'misconfigured'],
    ['unauthorized_client', r(400, { error: 'unauthorized_client' }), 'misconfigured'],
    ['500', r(500, undefined), 'transient'],
    ['503 html', r(503, undefined), 'transient'],
    ['network', r(0, { network_error: 'SocketError' }), 'transient'],
    ['429', r(429, {}), 'rate_limited'],
    ['200 garbage', r(200, undefined), 'invalid_response'],
  ])('%s', (_n, res, kind) => {
    expect(classifyRefreshFailure(res).kind).toBe(kind);
  });
  it("a revoked grant's reason carries the provider's own words, on one bounded line", () => {
    expect(classifyRefreshFailure(r(400, { error: 'invalid_grant', error_description: 'expired access/refresh token' })).reason).toBe('provider rejected the refresh token (invalid_grant: expired access/refresh token)');
    expect(classifyRefreshFailure(r(400, { status: 'BAD_REFRESH_TOKEN', message: 'missing or invalid refresh token' })).reason).toBe('provider rejected the refresh token (bad_refresh_token: missing or invalid refresh token)');
    expect(classifyRefreshFailure(r(400, { error: 'invalid_grant' })).reason).toBe('provider rejected the refresh token (invalid_grant)');
    const long = classifyRefreshFailure(r(400, { error: 'invalid_grant', error_description: 'a\nb ' + 'x'.repeat(500) })).reason;
    expect(long).not.toContain('\n');
    expect(long.length).toBeLessThan(260);
  });
  it('429 honours Retry-After', () => {
    expect(classifyRefreshFailure(r(429, {}, { 'retry-after': '7' })).retryAfterMs).toBe(7000);
  });
  it('a 200 with an access token is success; a 200 with error is not', () => {
    expect(classifyRefreshResponse(r(200, { access_token: 'x', expires_in: 60 })).ok).toBe(true);
    expect(classifyRefreshResponse(r(200, { access_token: 'x', error: 'invalid_code' })).ok).toBe(false);
  });
  it('client_secret_basic puts credentials in the header, post in the body', () => {
    const cfg = { tokenUrl: 'https://x/token', clientId: 'id', clientSecret: 'sec', expiry: { kind: 'expires_in' as const } };
    const basic = buildRefreshRequest({ ...cfg, clientAuth: 'client_secret_basic' }, 'rt');
    expect(basic.headers.authorization).toBe('Basic ' + Buffer.from('id:sec').toString('base64'));
    expect(basic.body).not.toContain('sec');
    const post = buildRefreshRequest({ ...cfg, clientAuth: 'client_secret_post' }, 'rt');
    expect(new URLSearchParams(post.body).get('client_secret')).toBe('sec');
  });
  it('host patterns', () => {
    expect(hostAllowed('acme.my.salesforce.com', ['*.salesforce.com'])).toBe(true);
    expect(hostAllowed('salesforce.com.evil.io', ['*.salesforce.com'])).toBe(false);
    expect(hostAllowed('evilsalesforce.com', ['*.salesforce.com'])).toBe(false);
  });
});
