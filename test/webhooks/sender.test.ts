import { afterEach, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { createWebhookSender } from '../../src/webhooks/sender.js';
import { startReceiver } from '../tokens/helpers/receiver.js';
import { manualClock } from '../helpers/manual-clock.js';
import { oauthAccount, testDeps } from '../tokens/helpers/setup.js';

const SECRET = 'whsec_' + Buffer.from('another-webhook-secret-abcdefgh').toString('base64');
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

describe('webhook sender', () => {
  it('retries failed deliveries with backoff on the injected clock; the same id and a valid signature each time; no secrets in the body', async () => {
    const rec = await startReceiver(2);
    cleanups.push(() => rec.close());
    const clock = manualClock(Date.now());
    const deps = testDeps(clock);
    const sender = createWebhookSender({ ...deps, endpoints: [{ url: rec.url, secret: SECRET }], retryDelaysMs: [1000, 5000, 30000] });
    const account = { ...oauthAccount('w1', { access: 'at_webhook_secret', refresh: 'rt_webhook_secret', expiresAt: clock.now() }), status: 'needs_reauth' as const };
    const done = sender.authenticationError(account, 'provider rejected the refresh token (invalid_grant)');
    // Each failed attempt ends with the sender waiting on its next retry delay.
    await expect.poll(() => clock.pending(), { timeout: 10_000 }).toBe(1);
    expect(rec.attempts()).toBe(1);
    await clock.advance(999);
    expect(clock.pending()).toBe(1);
    expect(rec.attempts()).toBe(1);
    await clock.advance(1);
    await expect.poll(() => clock.pending(), { timeout: 10_000 }).toBe(1);
    expect(rec.attempts()).toBe(2);
    await clock.advance(5000);
    await done;
    expect(rec.attempts()).toBe(3);
    expect(rec.deliveries).toHaveLength(1);
    const d = rec.deliveries[0]!;
    const payload = new Webhook(SECRET).verify(d.body, d.headers) as Record<string, unknown>;
    expect(payload).toMatchObject({ type: 'integrated_account:authentication_error', data: { account_id: 'w1', status: 'needs_reauth', reason: expect.stringContaining('invalid_grant') } });
    expect(d.body).not.toContain('at_webhook_secret');
    expect(d.body).not.toContain('rt_webhook_secret');
    expect(d.headers['webhook-id']).toMatch(/^msg_/);
    expect(() => new Webhook('whsec_' + Buffer.from('wrong-secret-wrong-secret-00000').toString('base64')).verify(d.body, d.headers)).toThrow();
  });
});
