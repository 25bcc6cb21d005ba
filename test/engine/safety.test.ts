/**
 * Safety bounds against the sandbox fakes with the real token manager: a runaway JSONata
 * expression fails that one call with mapping_bound while other calls succeed; an account
 * whose instance_url is outside the allowed hosts never gets an outbound request, and a token
 * response carrying a tampered instance_url is not adopted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkOutboundUrl, createExpressionCompiler } from '../../src/integrations/index.js';
import { startReplayServer, type ReplayServer } from './helpers/replay.js';
import { ok, startSandboxRig, type SandboxRig } from './helpers/sandbox-rig.js';

let rig: SandboxRig;
/** Stands in for an attacker's host: any request it sees is a failure. */
let evil: ReplayServer;
beforeAll(async () => {
  rig = await startSandboxRig({ sandboxes: { salesforce: { seed: { contacts: 5 } }, hubspot: { seed: { contacts: 5 } } } });
  evil = await startReplayServer();
  await rig.addAccount('salesforce', { id: 'sf-ok' });
  await rig.addAccount('hubspot', { id: 'hs-ok' });
});
afterAll(async () => {
  await evil.close();
  await rig.close();
});

const RUNAWAY = {
  'unbounded recursion': '( $f := function(){ $f() }; $f() )',
  'infinite tail-call loop': '( $loop := function($n){ $loop($n + 1) }; $loop(0) )',
  'deep non-tail recursion': '( $f := function($n){ 1 + $f($n + 1) }; $f(0) )',
};

describe('bounded JSONata evaluation', () => {
  for (const [name, expr] of Object.entries(RUNAWAY)) {
    it(`${name} in a mapping: that call fails with mapping_bound; concurrent calls for other accounts succeed`, async () => {
      const bad = `sf-bad-${name.replace(/\W+/g, '-')}`;
      await rig.addAccount('salesforce', { id: bad, unified_model_override: { contacts: { mapping: expr } } });
      const [rb, rsf, rhs] = await Promise.all([
        rig.run(bad, { resource: 'contacts', method: 'list' }),
        rig.run('sf-ok', { resource: 'contacts', method: 'list' }),
        rig.run('hs-ok', { resource: 'contacts', method: 'list' }),
      ]);
      expect(rb).toMatchObject({ ok: false, error: { code: 'mapping_bound' } });
      if (!rb.ok) expect(rb.error.message).toMatch(/resources\.contacts\.mapping: expression exceeded its evaluation bound/);
      expect(ok(rsf).data).toHaveLength(5);
      expect(ok(rhs).data).toHaveLength(5);
      expect(ok(await rig.run('sf-ok', { resource: 'contacts', method: 'get', id: (ok(rsf).data as Array<{ id: string }>)[0]?.id ?? '' })).data).toHaveProperty('id');
    });
  }

  it('a runaway request expression fails before anything is sent', async () => {
    await rig.addAccount('salesforce', { id: 'sf-bad-query', unified_model_override: { deals: { list: { query: RUNAWAY['infinite tail-call loop'] } } } });
    const before = rig.sb.salesforce.log.entries.length;
    const r = await rig.run('sf-bad-query', { resource: 'deals', method: 'list' });
    expect(r).toMatchObject({ ok: false, error: { code: 'mapping_bound' }, provider_requests: 0 });
    expect(rig.sb.salesforce.log.entries.length).toBe(before);
  });

  it('the compiler alone: bounded, and an ordinary expression still evaluates afterwards', async () => {
    const c = createExpressionCompiler({ maxDepth: 100 });
    await expect(c.evaluate(RUNAWAY['infinite tail-call loop'], {}, {}, 't')).rejects.toMatchObject({ code: 'mapping_bound' });
    await expect(c.evaluate(RUNAWAY['unbounded recursion'], {}, {}, 't')).rejects.toMatchObject({ code: 'mapping_bound' });
    await expect(c.evaluate('a + 1', { a: 1 }, {}, 't')).resolves.toBe(2);
    await c.close();
  });
});

describe('outbound host allow-list', () => {
  it('an account whose instance_url points outside the allowed hosts never gets an outbound request', async () => {
    const sf = rig.sb.salesforce;
    const before = { log: sf.log.entries.length, tokens: sf.oauth.stats.tokenRequests };
    const tampered = [evil.url, 'https://acme.my.salesforce.com.evil.example', 'https://evil.example/?h=.my.salesforce.com', 'http://acme.my.salesforce.com'];
    for (const [i, url] of tampered.entries()) {
      await rig.addAccount('salesforce', { id: `sf-tampered-${i}`, context: { instance_url: url } });
      for (const method of ['list', 'get', 'create', 'update', 'search'] as const) {
        const r = await rig.run(`sf-tampered-${i}`, { resource: 'contacts', method, id: '003000000000001AAA', input: { last_name: 'x', query: 'x' } });
        expect(r).toMatchObject({ ok: false, error: { code: 'host_not_allowed' }, provider_requests: 0 });
        if (!r.ok) expect(r.error.message).toMatch(/no request was sent/);
      }
    }
    expect(evil.requests).toHaveLength(0);
    expect(sf.log.entries.length).toBe(before.log);
    expect(sf.oauth.stats.tokenRequests).toBe(before.tokens);
  });

  it('a refresh whose token response carries a tampered instance_url is not adopted; the token never reaches that host', async () => {
    const sf = rig.sb.salesforce;
    const account = await rig.addAccount('salesforce', { id: 'sf-refresh-tamper' }, { ownGrant: true });
    const good = account.context.instance_url;
    sf.oauth.settings.instanceUrl = evil.url;
    try {
      sf.oauth.expireAllAccessTokens();
      const r = ok(await rig.run('sf-refresh-tamper', { resource: 'contacts', method: 'list' }));
      expect(r.provider_requests).toBe(2);
    } finally {
      sf.oauth.settings.instanceUrl = good as string;
    }
    const stored = await rig.store.get('sf-refresh-tamper');
    expect(stored?.context.instance_url).toBe(good);
    expect(stored?.context.oauth?.token?.access_token).not.toBe(account.context.oauth?.token?.access_token);
    expect(evil.requests).toHaveLength(0);
    expect(rig.logs.some((l) => l.includes('token response context rejected: host not allowed'))).toBe(true);
  });

  it('pattern rules: https only, *.suffix needs a label, userinfo and look-alikes rejected', () => {
    const allowed = ['*.my.salesforce.com', '*.salesforce.com'];
    const check = (u: string) => checkOutboundUrl(new URL(u), allowed);
    expect(check('https://acme.my.salesforce.com/x')).toBeNull();
    expect(check('http://acme.my.salesforce.com/x')).toMatch(/scheme/);
    expect(check('https://salesforce.com/')).toMatch(/not in/);
    expect(check('https://acme.my.salesforce.com.evil.example/')).toMatch(/not in/);
    expect(check('https://acme.my.salesforce.com@evil.example/')).not.toBeNull();
    expect(check('https://evil.example/?h=.my.salesforce.com')).toMatch(/not in/);
    expect(checkOutboundUrl(new URL('http://127.0.0.1:9/'), allowed)).not.toBeNull();
    expect(checkOutboundUrl(new URL('http://127.0.0.1:9/'), allowed, ['127.0.0.1:9'])).toBeNull();
    expect(checkOutboundUrl(new URL('http://127.0.0.1:10/'), allowed, ['127.0.0.1:9'])).not.toBeNull();
  });
});
