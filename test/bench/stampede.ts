/**
 * Refresh stampede: 1,000 concurrent `tools/call list_contacts` (1 record) at `crm-mcp serve` while
 * its stored access token is expired (and the provider fake refuses the old token); the provider's
 * OAuth server counts the token requests: one refresh should serve them all. The same burst on a
 * fresh token first, for comparison. The expiry is written from the bench's process, as another
 * replica would, and the expired burst starts after EXPIRY_VISIBLE_MS (the time issue 16 allows a
 * replica to see another's write). Each call has its own keep-alive connection, opened beforehand
 * 50 at a time: 1,000 simultaneous connects overflow the listen backlog and measure TCP, not us.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'undici';
import { toolCall } from './load.js';
import type { BenchStack } from './stack.js';
import { countFailure, since, summarize, type Failures, type Summary } from './stats.js';

const EXPIRY_VISIBLE_MS = 1_500;

export interface StampedeResult {
  calls: number;
  /** Records per call (one: the figure is about the refresh, not the mapping). */
  page: number;
  ok_calls: number;
  /** Failed calls of the expired burst, by error code. */
  errors: Failures;
  /** Failed calls of the fresh-token burst, by error code. */
  fresh_errors: Failures;
  provider_token_requests: number;
  /** End-to-end call latency of the two bursts. */
  call_expired: Summary;
  call_fresh: Summary;
}

async function connect(clients: Client[], origin: string): Promise<void> {
  for (let i = 0; i < clients.length; i += 50) {
    await Promise.all(clients.slice(i, i + 50).map(async (c) => (await c.request({ method: 'GET', path: '/healthz', origin })).body.dump()));
  }
}

async function burst(stack: BenchStack, clients: Client[], page: number) {
  const { url, mcpToken } = stack.serve;
  await connect(clients, new URL(url).origin);
  const times: number[] = [];
  const errors: Failures = {};
  let ok = 0;
  await Promise.all(
    clients.map(async (c) => {
      const t0 = performance.now();
      try {
        if ((await toolCall({ url, token: mcpToken, era: '2025-11-25', dispatcher: c }, 'list_contacts', { limit: page })()) === page) ok++;
      } catch (e) {
        countFailure(errors, e);
      } finally {
        times.push(since(t0));
      }
    }),
  );
  return { times, errors, ok };
}

export async function benchStampede(stack: BenchStack, o: { quick: boolean }): Promise<StampedeResult> {
  const n = o.quick ? 50 : 1_000;
  const page = 1;
  const origin = new URL(stack.serve.url).origin;
  const clients = Array.from({ length: n }, () => new Client(origin, { keepAliveTimeout: 60_000 }));
  try {
    const fresh = await burst(stack, clients, page);
    await stack.serve.expireStoredToken();
    await stack.provider.expireAll();
    await sleep(EXPIRY_VISIBLE_MS);
    const before = await stack.provider.tokenRequests();
    const expired = await burst(stack, clients, page);
    const provider_token_requests = (await stack.provider.tokenRequests()) - before;
    return {
      calls: n, page, ok_calls: expired.ok, errors: expired.errors, fresh_errors: fresh.errors, provider_token_requests,
      call_expired: summarize(expired.times), call_fresh: summarize(fresh.times),
    };
  } finally {
    await Promise.all(clients.map((c) => c.close()));
  }
}
