/**
 * Regression: a connect link was consumed by the first GET, so a mail scanner or chat unfurl
 * that previewed it got the consent redirect and the customer's click then got 410. Now GET and
 * HEAD show a small page (naming the CRM, never the tenant or the token) and only the page's
 * button — a POST — uses the link. Real connect endpoints against the sandbox fakes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createConnectFlow } from '../../src/connect/flow.js';
import { ENVIRONMENT, startSandboxStack } from './helpers/sandbox-stack.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

describe('connect links survive previews', () => {
  it('a preview GETs (and HEADs) the link, then the customer clicks: consent proceeds and the account connects', async () => {
    const { p, s } = await startSandboxStack(cleanups);
    const base = await s.serveConnect();
    const flow = createConnectFlow({ ...s.rt, ...s.rt.deps, validator: s.rt.connectValidator, connectSpec: s.rt.connectSpec });
    const link = await flow.createLink({ tenantId: 'tenant-PRIVATE-name', integration: 'hubspot', environment: ENVIRONMENT, baseUrl: base });
    const token = new URL(link.url).searchParams.get('link')!;

    // What an unfurler does: HEAD, then GET (twice, as scanners do), following nothing.
    const head = await fetch(link.url, { method: 'HEAD', redirect: 'manual' });
    expect(head.status).toBe(200);
    for (let i = 0; i < 2; i++) {
      const preview = await fetch(link.url, { redirect: 'manual', headers: { 'user-agent': 'Slackbot-LinkExpanding 1.0' } });
      expect(preview.status).toBe(200);
      expect(preview.headers.get('cache-control')).toBe('no-store');
      expect(preview.headers.get('x-frame-options')).toBe('DENY');
      const html = await preview.text();
      expect(html).toContain('Connect your HubSpot account');
      expect(html).toContain('<form method="post">');
      expect(html).not.toContain('tenant-PRIVATE-name');
      expect(html).not.toContain(token);
    }
    expect(p.hubspot.oauth.stats.authorizeRequests).toBe(0);

    // The customer's click: the button posts to the link URL.
    const click = await fetch(link.url, { method: 'POST', redirect: 'follow' });
    expect(click.status).toBe(200);
    expect(await click.text()).toContain('Connected');
    const [acct] = await s.rt.accounts.listByTenant('tenant-PRIVATE-name');
    expect(acct).toMatchObject({ integration: 'hubspot', status: 'active' });

    // Used now: every method says so, and nothing starts another consent.
    expect((await fetch(link.url, { redirect: 'manual' })).status).toBe(410);
    expect((await fetch(link.url, { method: 'HEAD' })).status).toBe(410);
    expect((await fetch(link.url, { method: 'POST', redirect: 'manual' })).status).toBe(410);
    expect(p.hubspot.oauth.stats.authorizeRequests).toBe(1);
  });

  it('only the start page takes POST and HEAD; a bad link is refused on every method without echoing it', async () => {
    const { s } = await startSandboxStack(cleanups);
    const base = await s.serveConnect();
    for (const method of ['GET', 'HEAD', 'POST']) {
      const r = await fetch(`${base}/connect/start?link=lnk_${'x'.repeat(30)}`, { method, redirect: 'manual' });
      expect(r.status, method).toBe(410);
      if (method === 'GET') expect(await r.text()).not.toContain('x'.repeat(30));
    }
    const put = await fetch(`${base}/connect/start?link=lnk_${'x'.repeat(30)}`, { method: 'PUT' });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('GET, HEAD, POST');
    expect((await fetch(`${base}/connect/callback?state=s&code=c`, { method: 'POST' })).status).toBe(405);
  });
});
