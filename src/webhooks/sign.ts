/** Standard Webhooks signing: `v1,<base64 HMAC-SHA256(secret, id.timestamp.body)>` with a `whsec_` secret. */
import { createHmac } from 'node:crypto';

export function signWebhook(secret: string, id: string, timestampSec: number, body: string): string {
  const key = Buffer.from(secret.startsWith('whsec_') ? secret.slice(6) : secret, 'base64');
  return 'v1,' + createHmac('sha256', key).update(`${id}.${timestampSec}.${body}`).digest('base64');
}
