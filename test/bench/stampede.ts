/**
 * Refresh stampede: 1,000 concurrent `tools/call list_contacts` over Streamable HTTP while the
 * stored access token is expired. The token manager should make exactly one token request. The
 * waiters' added latency is each call's wait for its access token (timed around the engine's
 * token provider) against the same 1,000-call burst on a fresh token; end-to-end call latency
 * of both bursts is reported too (on 2 cores it is mostly queueing behind the other calls).
 * Each call has its own keep-alive connection, opened beforehand in small batches: 1,000
 * simultaneous connects overflow the listen backlog (ECONNRESET) and would measure TCP, not us.
 */
import { Client } from 'undici';
import type { BenchStack } from './stack.js';
import { countFailure, round, summarize, since, type Failures, type Summary } from './stats.js';

export interface StampedeResult {
  calls: number;
  /** Records per call (one: the figure is about the refresh, not the mapping). */
  page: number;
  ok_calls: number;
  /** Failed calls of the expired burst, by error code. */
  errors: Record<string, number>;
  /** Failed calls of the fresh-token burst, by error code. */
  fresh_errors: Record<string, number>;
  provider_token_requests: number;
  /** Each call's wait for its access token, expired burst vs fresh burst. */
  token_wait_expired: Summary;
  token_wait_fresh: Summary;
  waiters_added_p50_ms: number;
  waiters_added_p99_ms: number;
  /** End-to-end call latency of the two bursts. */
  call_expired: Summary;
  call_fresh: Summary;
}

/** Opens (or re-opens) every client's connection, 50 at a time. */
async function connect(clients: Client[], url: string): Promise<void> {
  for (let i = 0; i < clients.length; i += 50) {
    await Promise.all(clients.slice(i, i + 50).map(async (c) => (await c.request({ method: 'GET', path: '/healthz', origin: url })).body.dump()));
  }
}

interface Burst {
  times: number[];
  waits: number[];
  ok: number;
  /** Failed calls by error code (the tool's `Error (code)` text, else the message). */
  errors: Record<string, number>;
}

async function burst(stack: BenchStack, clients: Client[], page: number): Promise<Burst> {
  await connect(clients, stack.http.url);
  const stop = stack.recordTokenWaits();
  const times: number[] = [];
  let ok = 0;
  const errors: Failures = {};
  await Promise.all(
    clients.map(async (c) => {
      const t0 = performance.now();
      try {
        if ((await stack.callListContacts(page, c)) === page) ok++;
      } catch (e) {
        countFailure(errors, e);
      } finally {
        times.push(since(t0));
      }
    }),
  );
  return { times, waits: stop(), ok, errors };
}

export async function benchStampede(stack: BenchStack, o: { quick: boolean }): Promise<StampedeResult> {
  const n = o.quick ? 50 : 1_000;
  const page = 1;
  const clients = Array.from({ length: n }, () => new Client(stack.http.url, { keepAliveTimeout: 60_000 }));
  let fresh, expired, provider_token_requests;
  try {
    fresh = await burst(stack, clients, page);
    await stack.expireToken();
    const before = stack.sb.hubspot.oauth.stats.tokenRequests;
    expired = await burst(stack, clients, page);
    provider_token_requests = stack.sb.hubspot.oauth.stats.tokenRequests - before;
    await stack.syncToken();
  } finally {
    await Promise.all(clients.map((c) => c.close()));
  }
  const we = summarize(expired.waits);
  const wf = summarize(fresh.waits);
  return {
    calls: n, page, ok_calls: expired.ok, errors: expired.errors, fresh_errors: fresh.errors, provider_token_requests,
    token_wait_expired: we, token_wait_fresh: wf, waiters_added_p50_ms: round(we.p50 - wf.p50), waiters_added_p99_ms: round(we.p99 - wf.p99),
    call_expired: summarize(expired.times), call_fresh: summarize(fresh.times),
  };
}
