/**
 * Account lifecycle webhooks, POSTed as JSON to every configured endpoint, signed per Standard
 * Webhooks and retried with backoff on the injected clock. Payloads never carry secrets.
 */
import type { Dispatcher } from 'undici';
import type { LinkedAccount } from '../accounts/model.js';
import type { Deps } from '../core/deps.js';
import { signWebhook } from './sign.js';

export type WebhookEventType = 'integrated_account:authentication_error' | 'integrated_account:reactivated';

export interface WebhookEndpoint {
  url: string;
  /** `whsec_<base64>` */
  secret: string;
}

export interface WebhookPayload {
  type: WebhookEventType;
  timestamp: string;
  data: { account_id: string; tenant_id: string; integration: string; status: string; reason?: string };
}

export interface WebhookSenderOptions extends Pick<Deps, 'clock' | 'random' | 'logger'> {
  endpoints: WebhookEndpoint[];
  dispatcher?: Dispatcher;
  /** Delays between attempts (ms); attempts = length + 1. */
  retryDelaysMs?: number[];
  timeoutMs?: number;
}

/** The account lifecycle events, what status changes send (src/tokens/lifecycle.ts). */
export interface LifecycleWebhooks {
  /** `integrated_account:authentication_error`: the account moved to needs_reauth. */
  authenticationError(account: LinkedAccount, reason: string): Promise<void>;
  /** `integrated_account:reactivated`: the account left needs_reauth. */
  reactivated(account: LinkedAccount): Promise<void>;
}

export interface WebhookSender extends LifecycleWebhooks {
  /** Sends one event to every endpoint; resolves after delivery or after retries are exhausted. */
  send(payload: WebhookPayload): Promise<void>;
}

export function createWebhookSender(opts: WebhookSenderOptions): WebhookSender {
  const delays = opts.retryDelaysMs ?? [5_000, 30_000, 120_000, 600_000];
  const log = opts.logger.child({ component: 'webhooks' });

  async function deliver(ep: WebhookEndpoint, id: string, body: string): Promise<boolean> {
    for (let attempt = 0; attempt <= delays.length; attempt++) {
      const ts = Math.floor(opts.clock.now() / 1000);
      let status = 0;
      try {
        // undici loads on the first delivery, not at startup.
        const { request } = await import('undici');
        const res = await request(ep.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(ts), 'webhook-signature': signWebhook(ep.secret, id, ts, body) },
          body,
          headersTimeout: opts.timeoutMs ?? 10_000,
          bodyTimeout: opts.timeoutMs ?? 10_000,
          ...(opts.dispatcher ? { dispatcher: opts.dispatcher } : {}),
        });
        status = res.statusCode;
        await res.body.dump();
      } catch {
        status = 0;
      }
      if (status >= 200 && status < 300) return true;
      const delay = delays[attempt];
      if (delay === undefined) break;
      log.warn('webhook delivery failed; retrying', { webhook_id: id, host: new URL(ep.url).host, status, attempt: attempt + 1 });
      await opts.clock.sleep(delay);
    }
    log.error('webhook delivery gave up', { webhook_id: id, host: new URL(ep.url).host });
    return false;
  }

  async function send(payload: WebhookPayload): Promise<void> {
    const id = 'msg_' + opts.random.uuid();
    const body = JSON.stringify(payload);
    await Promise.all(opts.endpoints.map((ep) => deliver(ep, id, body)));
  }

  const data = (a: LinkedAccount, reason?: string) => ({
    account_id: a.id,
    tenant_id: a.tenant_id,
    integration: a.integration,
    status: a.status,
    ...(reason !== undefined ? { reason } : {}),
  });

  return {
    send,
    authenticationError: (a, reason) => send({ type: 'integrated_account:authentication_error', timestamp: new Date(opts.clock.now()).toISOString(), data: data(a, reason) }),
    reactivated: (a) => send({ type: 'integrated_account:reactivated', timestamp: new Date(opts.clock.now()).toISOString(), data: data(a) }),
  };
}
