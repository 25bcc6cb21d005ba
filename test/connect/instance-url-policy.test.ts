/**
 * Regression: context captured at connect had to be https on an allowed host, while at refresh it
 * was only host-checked, so `http://na1.my.salesforce.com` (allowed host, plain http) was adopted
 * by a refresh. Both paths now run the one capture check (src/oauth/context.ts): the connect flow
 * refuses the connection; a refresh keeps the account's instance_url and logs a warning. Real
 * composition (composeCore, the connect endpoints) against the sandbox Salesforce on loopback.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createConnectFlow } from '../../src/connect/flow.js';
import { ENVIRONMENT, startSandboxStack } from './helpers/sandbox-stack.js';

const TAMPERED = 'http://na1.my.salesforce.com';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

describe(`an http:// instance_url on an allowed host (${TAMPERED})`, () => {
  it('is refused at connect: nothing is stored', async () => {
    const { p, s } = await startSandboxStack(cleanups);
    const base = await s.serveConnect();
    const flow = createConnectFlow({ ...s.rt, ...s.rt.deps, validator: s.rt.connectValidator, connectSpec: s.rt.connectSpec });
    p.salesforce.oauth.settings.instanceUrl = TAMPERED;
    const link = await flow.createLink({ tenantId: 't-connect', integration: 'salesforce', environment: ENVIRONMENT, baseUrl: base });
    const res = await fetch(link.url, { method: 'POST', redirect: 'follow' });
    expect(res.status).toBe(502);
    expect(await res.text()).toContain('outside the allowed hosts');
    expect(await s.rt.accounts.listByTenant('t-connect')).toEqual([]);
    expect(p.salesforce.oauth.stats.byGrantType.authorization_code).toBe(1);
  });

  it('is not adopted at refresh: the new token is stored, the instance_url stays, a warning is logged', async () => {
    const { p, s } = await startSandboxStack(cleanups);
    const account = await s.connect('salesforce', 't-refresh');
    const good = account.context.instance_url;
    expect(good).toBe(p.salesforce.url);

    p.salesforce.oauth.settings.instanceUrl = TAMPERED;
    p.salesforce.oauth.expireAllAccessTokens();
    const got = await s.core.tokens.getAccessToken(account);
    expect(p.salesforce.oauth.stats.byGrantType.refresh_token).toBe(1);
    expect(got.accessToken).not.toBe(account.context.oauth!.token.access_token);
    expect(got.account.context.instance_url).toBe(good);
    const stored = await s.rt.accounts.get(account.id);
    expect(stored?.context.instance_url).toBe(good);
    expect(stored?.context.oauth?.token.access_token).toBe(got.accessToken);
    expect(s.logger.lines.filter((l) => l.includes('token response context rejected'))).toEqual([expect.stringContaining('scheme http: is not allowed for host na1.my.salesforce.com')]);
  });
});
