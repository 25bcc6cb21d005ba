/**
 * Safety bounds: runaway JSONata fails that one call with mapping_timeout while other calls
 * succeed; an account whose instance_url is outside the allowed hosts never gets a request.
 */
import { Agent } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createEngine } from '../../src/engine/index.js';
import { checkOutboundUrl, createExpressionCompiler, loadRegistry } from '../../src/integrations/index.js';
import { account, fixedClock, silentLogger, staticTokens } from './helpers/accounts.js';
import { startReplayServer, type ReplayServer } from './helpers/replay.js';

const registry = loadRegistry();
const dispatcher = new Agent();
let good: ReplayServer;
let counting: ReplayServer;
beforeAll(async () => {
  good = await startReplayServer();
  counting = await startReplayServer();
});
afterAll(async () => {
  await good.close();
  await counting.close();
  await dispatcher.close();
});
beforeEach(() => {
  good.reset();
  counting.reset();
});

const RUNAWAY = {
  'unbounded recursion': '( $f := function(){ $f() }; $f() )',
  'infinite tail-call loop': '( $loop := function($n){ $loop($n + 1) }; $loop(0) )',
  'deep non-tail recursion': '( $f := function($n){ 1 + $f($n + 1) }; $f(0) )',
};

describe('bounded JSONata evaluation', () => {
  for (const [name, expr] of Object.entries(RUNAWAY)) {
    it(`${name}: fails that call with mapping_timeout; a concurrent call for another account succeeds`, async () => {
      const bad = account('salesforce', { id: 'sf-bad', context: { instance_url: good.url }, unified_model_override: { contacts: { mapping: expr } } });
      const ok = account('salesforce', { id: 'sf-ok', context: { instance_url: good.url } });
      const engine = createEngine({ registry, tokens: staticTokens([bad, ok]), deps: { clock: fixedClock, logger: silentLogger(), dispatcher }, extraAllowedHosts: [good.host], mappingTimeoutMs: 100 });
      const page = { status: 200, body: { totalSize: 1, done: true, records: [{ Id: '003A', LastName: 'L' }] } };
      good.queue(page, page, page);
      const [rb, rok] = await Promise.all([
        engine.execute({ account: bad, resource: 'contacts', method: 'list' }),
        engine.execute({ account: ok, resource: 'contacts', method: 'list' }),
      ]);
      expect(rb).toMatchObject({ ok: false, error: { code: 'mapping_timeout' } });
      if (!rb.ok) expect(rb.error.message).toMatch(/evaluation bound/);
      expect(rok).toMatchObject({ ok: true, data: [expect.objectContaining({ id: '003A' })] });
      const again = await engine.execute({ account: ok, resource: 'contacts', method: 'list' });
      expect(again.ok).toBe(true);
    });
  }

  it('the compiler alone: bounded, and an ordinary expression still evaluates afterwards', async () => {
    const c = createExpressionCompiler({ timeoutMs: 50, maxDepth: 100 });
    await expect(c.evaluate(RUNAWAY['infinite tail-call loop'], {}, {}, 't')).rejects.toMatchObject({ code: 'mapping_timeout' });
    await expect(c.evaluate(RUNAWAY['unbounded recursion'], {}, {}, 't')).rejects.toMatchObject({ code: 'mapping_timeout' });
    await expect(c.evaluate('a + 1', { a: 1 }, {}, 't')).resolves.toBe(2);
  });
});

describe('outbound host allow-list', () => {
  it('a tampered instance_url never receives a request (counting fake)', async () => {
    const tampered = account('salesforce', { id: 'sf-t', context: { instance_url: counting.url } });
    const engine = createEngine({ registry, tokens: staticTokens([tampered]), deps: { clock: fixedClock, logger: silentLogger(), dispatcher }, extraAllowedHosts: [good.host] });
    for (const method of ['list', 'get', 'create', 'update'] as const) {
      const r = await engine.execute({ account: tampered, resource: 'contacts', method, id: '003A', input: { last_name: 'x' } });
      expect(r).toMatchObject({ ok: false, error: { code: 'host_not_allowed' }, provider_requests: 0 });
      if (!r.ok) expect(r.error.message).not.toContain('at-static');
    }
    expect(counting.requests).toHaveLength(0);
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
