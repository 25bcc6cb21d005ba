/**
 * Engine behaviour over real loopback HTTP (replay server): expired-token refresh-and-retry,
 * no retry on throttling/5xx, garbage responses, token-provider failures, cursors, fields.
 */
import { Agent } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { LinkedAccount } from '../../src/accounts/model.js';
import { CrmMcpError } from '../../src/core/errors.js';
import { createEngine } from '../../src/engine/engine.js';
import { loadRegistry } from '../../src/integrations/index.js';
import type { TokenProvider } from '../../src/tokens/types.js';
import { manualClock } from '../helpers/manual-clock.js';
import { account, FIXED_NOW, silentLogger } from './helpers/accounts.js';
import { startReplayServer, type ReplayServer } from './helpers/replay.js';

const registry = loadRegistry();
const dispatcher = new Agent();
let srv: ReplayServer;
beforeAll(async () => {
  srv = await startReplayServer();
});
afterAll(async () => {
  await srv.close();
  await dispatcher.close();
});
beforeEach(() => {
  srv.reset();
});

/** Token provider that rotates the token on forced refresh and records calls. */
function rotatingTokens(acct: () => LinkedAccount) {
  const calls: Array<{ force?: boolean; rejected?: string }> = [];
  let n = 1;
  const tokens: TokenProvider = {
    async getAccessToken(_id, opts) {
      calls.push({ force: opts?.forceRefresh, rejected: opts?.rejectedToken });
      if (opts?.forceRefresh) n += 1;
      return { accessToken: `at-secret-${n}`, account: acct() };
    },
  };
  return { tokens, calls };
}

function setup(integration: 'hubspot' | 'salesforce', tokens?: TokenProvider) {
  const acct =
    integration === 'salesforce'
      ? account('salesforce', { context: { instance_url: srv.url } })
      : account('hubspot');
  const t = rotatingTokens(() => acct);
  const lines: string[] = [];
  const engine = createEngine({
    registry,
    tokens: tokens ?? t.tokens,
    deps: { clock: manualClock(FIXED_NOW), logger: silentLogger(lines), dispatcher },
    envOverrides: { test: { hubspot: { base_url: srv.url } } },
    insecureHosts: [srv.host],
  });
  return { engine, acct, calls: t.calls, lines };
}

const HS_EXPIRED = { status: 'error', message: 'The OAuth token used to make this call expired 0 second(s) ago.', correlationId: 'c1', category: 'EXPIRED_AUTHENTICATION' };
const hsContact = { id: '1', properties: { firstname: 'A', lastname: 'B', createdate: '2024-01-01T00:00:00Z', lastmodifieddate: '2024-01-01T00:00:00Z' } };

describe('expired access token', () => {
  it('HubSpot 401 EXPIRED_AUTHENTICATION → exactly one forced refresh with the rejected token, one retry', async () => {
    const { engine, acct, calls } = setup('hubspot');
    srv.queue({ status: 401, body: HS_EXPIRED }, { status: 200, body: hsContact });
    const r = await engine.execute({ account: acct, resource: 'contacts', method: 'get', id: '1' });
    expect(r.ok).toBe(true);
    expect(r.provider_requests).toBe(2);
    expect(calls).toEqual([{ force: undefined, rejected: undefined }, { force: true, rejected: 'at-secret-1' }]);
    expect(srv.requests.map((q) => q.headers.authorization)).toEqual(['Bearer at-secret-1', 'Bearer at-secret-2']);
  });

  it('Salesforce 401 INVALID_SESSION_ID twice → needs_reauth after one retry, never a loop', async () => {
    const { engine, acct, calls } = setup('salesforce');
    const body = [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }];
    srv.queue({ status: 401, body }, { status: 401, body }, { status: 200, body: {} });
    const r = await engine.execute({ account: acct, resource: 'contacts', method: 'list' });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('needs_reauth');
    expect(r.error.provider_code).toBe('INVALID_SESSION_ID');
    expect(r.provider_requests).toBe(2);
    expect(srv.requests).toHaveLength(2);
    expect(calls.filter((c) => c.force)).toHaveLength(1);
  });
});

describe('never retries or waits on throttling and server errors', () => {
  it('HubSpot 429 → rate_limited with retry-after and policy, one request', async () => {
    const { engine, acct } = setup('hubspot');
    srv.queue({
      status: 429,
      headers: { 'X-HubSpot-RateLimit-Max': '100', 'X-HubSpot-RateLimit-Remaining': '0', 'X-HubSpot-RateLimit-Interval-Milliseconds': '10000' },
      body: { status: 'error', message: 'You have reached your ten_secondly_rolling limit.', errorType: 'RATE_LIMIT', correlationId: 'c', policyName: 'TEN_SECONDLY_ROLLING' },
    });
    const r = await engine.execute({ account: acct, resource: 'contacts', method: 'list' });
    expect(r).toMatchObject({
      ok: false,
      error: { code: 'rate_limited', status: 429, provider_code: 'TEN_SECONDLY_ROLLING', retry_after_seconds: 10 },
      rate_limit: { limit: 100, remaining: 0, reset_seconds: 10, retry_after_seconds: 10, policy: 'TEN_SECONDLY_ROLLING' },
      provider_requests: 1,
    });
    expect(srv.requests).toHaveLength(1);
  });

  it('Salesforce 403 REQUEST_LIMIT_EXCEEDED → rate_limited (daily), one request', async () => {
    const { engine, acct } = setup('salesforce');
    srv.queue({ status: 403, headers: { 'Sforce-Limit-Info': 'api-usage=5001/5000' }, body: [{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }] });
    const r = await engine.execute({ account: acct, resource: 'deals', method: 'get', id: '006x' });
    expect(r).toMatchObject({ ok: false, error: { code: 'rate_limited', status: 403, provider_code: 'REQUEST_LIMIT_EXCEEDED' }, rate_limit: { limit: 5000, remaining: 0, policy: 'api-usage' } });
    expect(r.rate_limit?.retry_after_seconds).toBe(86400);
    expect(srv.requests).toHaveLength(1);
  });

  it('503 → provider_unavailable, one request', async () => {
    const { engine, acct } = setup('hubspot');
    srv.queue({ status: 503, raw: '<html>down</html>' });
    const r = await engine.execute({ account: acct, resource: 'companies', method: 'list' });
    expect(r).toMatchObject({ ok: false, error: { code: 'provider_unavailable', status: 503 }, provider_requests: 1 });
  });
});

describe('provider errors are classified declaratively', () => {
  it('Salesforce validation: message, code and fields', async () => {
    const { engine, acct } = setup('salesforce');
    srv.queue({ status: 400, body: [{ message: 'Required fields are missing: [LastName]', errorCode: 'REQUIRED_FIELD_MISSING', fields: ['LastName'] }] });
    const r = await engine.execute({ account: acct, resource: 'contacts', method: 'create', input: { first_name: 'x' } });
    expect(r).toMatchObject({ ok: false, error: { code: 'validation', message: 'Required fields are missing: [LastName]', provider_code: 'REQUIRED_FIELD_MISSING', fields: ['last_name'] } }); // named as the caller knows it; the message keeps the provider's
  });

  it('HubSpot validation: errors[].message, code and propertyName', async () => {
    const { engine, acct } = setup('hubspot');
    srv.queue({ status: 400, body: { status: 'error', message: 'Property values were not valid', correlationId: 'c', category: 'VALIDATION_ERROR', errors: [{ message: 'Property "foo" does not exist', code: 'PROPERTY_DOESNT_EXIST', context: { propertyName: ['foo'] } }] } });
    const r = await engine.execute({ account: acct, resource: 'contacts', method: 'update', id: '1', input: { custom_fields: { foo: 'x' } } });
    expect(r).toMatchObject({ ok: false, error: { code: 'validation', message: 'Property "foo" does not exist', provider_code: 'PROPERTY_DOESNT_EXIST', fields: ['foo'] } });
  });

  it('not found', async () => {
    const { engine, acct } = setup('hubspot');
    srv.queue({ status: 404, body: { status: 'error', message: 'Object not found.', correlationId: 'c', category: 'OBJECT_NOT_FOUND' } });
    const r = await engine.execute({ account: acct, resource: 'deals', method: 'get', id: '999' });
    expect(r).toMatchObject({ ok: false, error: { code: 'not_found', provider_code: 'OBJECT_NOT_FOUND' } });
  });

  it('Salesforce note linked to two records is a validation error before any request', async () => {
    const { engine, acct } = setup('salesforce');
    const r = await engine.execute({ account: acct, resource: 'notes', method: 'create', input: { body: 'x', deal_ids: ['006a'], contact_ids: ['003a'] } });
    expect(r).toMatchObject({ ok: false, error: { code: 'validation' }, provider_requests: 0 });
    expect(srv.requests).toHaveLength(0);
  });
});

describe('garbage from the provider', () => {
  it('non-JSON 200 → provider_error', async () => {
    const { engine, acct } = setup('hubspot');
    srv.queue({ status: 200, raw: '<html>oops</html>' });
    const r = await engine.execute({ account: acct, resource: 'contacts', method: 'list' });
    expect(r).toMatchObject({ ok: false, error: { code: 'provider_error' } });
    if (!r.ok) expect(r.error.message).toMatch(/not JSON/);
  });

  it('wrong shape (record without id, list that is a string) → provider_error with a clear message', async () => {
    const { engine, acct } = setup('hubspot');
    srv.queue({ status: 200, body: { results: [{ properties: {} }] } }, { status: 200, body: { results: 'nope' } }, { status: 200, body: [1, 2] });
    const a = await engine.execute({ account: acct, resource: 'contacts', method: 'list' });
    expect(a).toMatchObject({ ok: false, error: { code: 'provider_error' } });
    if (!a.ok) expect(a.error.message).toMatch(/wrong shape \(id:/);
    const b = await engine.execute({ account: acct, resource: 'contacts', method: 'list' });
    expect(b).toMatchObject({ ok: false, error: { code: 'provider_error' } });
    const c = await engine.execute({ account: acct, resource: 'contacts', method: 'get', id: '1' });
    expect(c).toMatchObject({ ok: false, error: { code: 'provider_error' } });
  });
});

describe('token provider failures', () => {
  for (const [code, expected] of [['needs_reauth', 'needs_reauth'], ['transient_auth', 'transient_auth'], ['oauth_client_misconfigured', 'internal']] as const) {
    it(`${code} → ${expected}, no provider request`, async () => {
      const tokens: TokenProvider = { getAccessToken: () => Promise.reject(new CrmMcpError(code, `token: ${code}`)) };
      const { engine, acct } = setup('hubspot', tokens);
      const r = await engine.execute({ account: acct, resource: 'contacts', method: 'list' });
      expect(r).toMatchObject({ ok: false, error: { code: expected }, provider_requests: 0 });
      expect(srv.requests).toHaveLength(0);
    });
  }
});

describe('cursors, fields, unsupported', () => {
  it('a forged or foreign cursor is a validation error and sends nothing', async () => {
    const { engine, acct } = setup('salesforce');
    const forged = Buffer.from(JSON.stringify({ v: 1, i: 'salesforce', r: 'contacts', m: 'list', s: '//evil.example/x' })).toString('base64url');
    const foreign = Buffer.from(JSON.stringify({ v: 1, i: 'hubspot', r: 'contacts', m: 'list', s: 'abc' })).toString('base64url');
    const otherPath = Buffer.from(JSON.stringify({ v: 1, i: 'salesforce', r: 'contacts', m: 'list', s: '/services/data/v62.0/sobjects/User' })).toString('base64url');
    for (const cursor of ['not-base64-json', forged, foreign, otherPath]) {
      const r = await engine.execute({ account: acct, resource: 'contacts', method: 'list', cursor });
      expect(r).toMatchObject({ ok: false, error: { code: 'validation' } });
    }
    expect(srv.requests).toHaveLength(0);
  });

  it('unsupported method → unsupported', async () => {
    const { engine, acct } = setup('hubspot');
    const r = await engine.execute({ account: acct, resource: 'companies', method: 'create', input: {} });
    expect(r).toMatchObject({ ok: false, error: { code: 'unsupported' } });
    const caps = await engine.capabilities(acct);
    expect(caps).toContainEqual({ resource: 'notes', method: 'create' });
    expect(caps).not.toContainEqual({ resource: 'companies', method: 'create' });
  });

  it('tokens never appear in error messages or logs', async () => {
    const { engine, acct, lines } = setup('hubspot');
    srv.queue({ status: 401, body: HS_EXPIRED }, { status: 401, body: HS_EXPIRED });
    const r = await engine.execute({ account: acct, resource: 'contacts', method: 'list' });
    expect(JSON.stringify(r)).not.toContain('at-secret');
    expect(lines.join('\n')).not.toContain('at-secret');
  });
});
