import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createLinkTokenStore } from '../../src/connect/link-tokens.js';
import { createOAuthStateStore } from '../../src/connect/oauth-state.js';
import { codeChallengeS256 } from '../../src/connect/pkce.js';
import { cryptoRandom } from '../../src/core/deps.js';
import { processCodeExchangeResponse } from '../../src/oauth/code-exchange.js';
import { captureContext } from '../../src/oauth/context.js';
import { createMemoryKv } from '../helpers/memory-kv.js';
import { manualClock } from '../helpers/manual-clock.js';
import { testSealer } from '../cli/helpers/operator-runtime.js';

describe('connect primitives', () => {
  it('PKCE S256 matches RFC 7636 appendix B', () => {
    expect(codeChallengeS256('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
  });

  it('link tokens are stored only as a hash, consumed once, and expire', async () => {
    const clock = manualClock();
    const kv = createMemoryKv(clock);
    const links = createLinkTokenStore({ kv, clock, random: cryptoRandom });
    const { token } = await links.create({ tenantId: 'tenant-CLEAR', integration: 'hubspot', environment: 'production', ttlMs: 1000 });
    const stored: string[] = [];
    for await (const [k, v] of kv.scan('')) stored.push(k, v);
    expect(stored.join(' ')).not.toContain(token);
    expect(stored[0]).toBe('link:' + createHash('sha256').update(token).digest('hex'));
    await expect(links.consume(token)).resolves.toMatchObject({ tenant_id: 'tenant-CLEAR' });
    await expect(links.consume(token)).rejects.toMatchObject({ code: 'unauthorized' });
    const again = await links.create({ tenantId: 't', integration: 'hubspot', environment: 'production', ttlMs: 1000 });
    await clock.advance(1001);
    await expect(links.consume(again.token)).rejects.toMatchObject({ code: 'unauthorized' });
    await expect(links.consume('lnk_' + 'x'.repeat(43))).rejects.toMatchObject({ code: 'unauthorized' });
  });

  it('state keeps the PKCE verifier sealed server-side and is single use', async () => {
    const clock = manualClock();
    const kv = createMemoryKv(clock);
    const states = createOAuthStateStore({ kv, clock, random: cryptoRandom, sealer: testSealer });
    const verifier = 'verifier-KNOWN-'.padEnd(43, 'v');
    const state = await states.create({ tenant_id: 't', integration: 'salesforce', environment: 'production', redirect_uri: 'http://x/cb', code_verifier: verifier });
    for await (const [k, v] of kv.scan('')) {
      expect(k).not.toContain(state);
      expect(v).not.toContain(verifier);
    }
    await expect(states.consume(state)).resolves.toMatchObject({ code_verifier: verifier });
    await expect(states.consume(state)).rejects.toMatchObject({ code: 'unauthorized' });
  });

  it('context capture: subdomains only, https only (http only on the operator\'s loopback insecureHosts), no userinfo', () => {
    const cap = [{ from: 'instance_url', hostPatterns: ['*.my.salesforce.com'] }];
    const taken = (v: string, extra: string[] = []) => captureContext({ instance_url: v }, cap, extra).context.instance_url !== undefined;
    expect(taken('https://acme.my.salesforce.com')).toBe(true);
    expect(taken('https://my.salesforce.com')).toBe(false);
    expect(taken('https://acme.my.salesforce.com.evil.io')).toBe(false);
    expect(taken('http://acme.my.salesforce.com')).toBe(false);
    expect(taken('https://user@acme.my.salesforce.com')).toBe(false);
    expect(taken('https://evilmy.salesforce.com')).toBe(false);
    expect(taken('http://127.0.0.1:8080')).toBe(false);
    expect(taken('http://127.0.0.1:8080', ['127.0.0.1'])).toBe(true);
    // An insecure entry that is not loopback is ignored: nothing goes off this machine in cleartext.
    expect(taken('http://acme.my.salesforce.com', ['acme.my.salesforce.com'])).toBe(false);
    expect(captureContext({ instance_url: 'http://acme.my.salesforce.com' }, cap).refused).toEqual([
      { field: 'instance_url', reason: expect.stringMatching(/^scheme http: is not allowed for host acme\.my\.salesforce\.com \(https only/) },
    ]);
  });

  it('code exchange: provider errors become a reason without secrets; Salesforce issued_at drives issued time', () => {
    const spec = { integration: 'salesforce', authorizeUrl: 'https://l/a', tokenUrl: 'https://l/t', pkce: true, scopes: [], scopeSeparator: ' ', clientAuth: 'client_secret_post' as const, contextCapture: [{ from: 'instance_url', hostPatterns: ['*.my.salesforce.com'], required: true }] };
    const res = (status: number, json: unknown) => ({ reached: true as const, status, headers: {}, json });
    const bad = processCodeExchangeResponse(spec, res(400, { error: 'invalid_grant', error_description: 'authentication failure' }), 0);
    expect(bad).toEqual({ ok: false, code: 'invalid_grant', reason: 'salesforce token endpoint refused the code: invalid_grant (authentication failure)' });
    const good = processCodeExchangeResponse(spec, res(200, { access_token: 'A', refresh_token: 'R', instance_url: 'https://acme.my.salesforce.com/', issued_at: '1767225600000', token_type: 'Bearer' }), 5);
    expect(good).toMatchObject({ ok: true, context: { instance_url: 'https://acme.my.salesforce.com' }, token: { issued_at: '2026-01-01T00:00:00.000Z', expires_at: null } });
    expect(processCodeExchangeResponse(spec, res(200, { access_token: 'A' }), 0)).toMatchObject({ ok: false, code: 'context_missing' });
    expect(processCodeExchangeResponse(spec, { reached: false, host: 'l', cause: 'ECONNREFUSED' }, 0)).toEqual({ ok: false, code: 'provider_unavailable', reason: 'salesforce token endpoint unreachable (l)' });
  });
});
