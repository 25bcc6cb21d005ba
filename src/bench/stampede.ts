/**
 * Refresh stampede: 1,000 concurrent `tools/call list_contacts` over Streamable HTTP while the
 * stored access token is expired. The token manager should make exactly one token request; the
 * waiters' added latency is their latency minus that of the same 1,000-call burst on a fresh token.
 */
import type { BenchStack } from './stack.js';
import { round, summarize, since, type Summary } from './stats.js';

export interface StampedeResult {
  calls: number;
  /** Records per call (a small page: the figure is about the refresh, not the mapping). */
  page: number;
  ok_calls: number;
  provider_token_requests: number;
  expired: Summary;
  fresh_baseline: Summary;
  added_p50_ms: number;
  added_p99_ms: number;
}

async function burst(stack: BenchStack, n: number, page: number): Promise<{ times: number[]; ok: number }> {
  const times: number[] = [];
  let ok = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      const t0 = performance.now();
      try {
        if ((await stack.callListContacts(page)) === page) ok++;
      } finally {
        times.push(since(t0));
      }
    }),
  );
  return { times, ok };
}

export async function benchStampede(stack: BenchStack, o: { quick: boolean }): Promise<StampedeResult> {
  const n = o.quick ? 50 : 1_000;
  const page = 10;
  await burst(stack, Math.min(n, 100), page); // warm sockets and caches
  const fresh = await burst(stack, n, page);
  await stack.expireToken();
  const before = stack.sb.hubspot.oauth.stats.tokenRequests;
  const expired = await burst(stack, n, page);
  const provider_token_requests = stack.sb.hubspot.oauth.stats.tokenRequests - before;
  await stack.syncToken();
  const e = summarize(expired.times);
  const f = summarize(fresh.times);
  return { calls: n, page, ok_calls: expired.ok, provider_token_requests, expired: e, fresh_baseline: f, added_p50_ms: round(e.p50 - f.p50), added_p99_ms: round(e.p99 - f.p99) };
}
