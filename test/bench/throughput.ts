/**
 * Throughput at saturation: closed-loop workers issue `tools/call list_contacts` over
 * Streamable HTTP for a fixed time; the best of a few concurrency levels is the figure.
 * The 100-record page is the goal's workload; a 1-record page shows the ceiling without mapping.
 */
import type { BenchStack } from './stack.js';
import { countFailure, round, type Failures } from './stats.js';

export interface ThroughputPoint {
  concurrency: number;
  calls: number;
  seconds: number;
  calls_per_s: number;
  /** Failed calls (not counted in calls_per_s), by error code. */
  failures: Failures;
}

export interface ThroughputResult {
  page_100: { best: ThroughputPoint; points: ThroughputPoint[] };
  page_1: { best: ThroughputPoint; points: ThroughputPoint[] };
}

async function closedLoop(concurrency: number, ms: number, call: () => Promise<unknown>): Promise<ThroughputPoint> {
  let calls = 0;
  const failures: Failures = {};
  const t0 = performance.now();
  const end = t0 + ms;
  const worker = async () => {
    while (performance.now() < end) {
      try {
        await call();
        calls++;
      } catch (e) {
        countFailure(failures, e);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - t0) / 1000;
  return { concurrency, calls, seconds: round(seconds), calls_per_s: round(calls / seconds, 1), failures };
}

async function sweep(levels: number[], ms: number, call: () => Promise<unknown>) {
  const points: ThroughputPoint[] = [];
  for (const c of levels) points.push(await closedLoop(c, ms, call));
  const best = points.reduce((a, b) => (b.calls_per_s > a.calls_per_s ? b : a));
  return { best, points };
}

export async function benchThroughput(stack: BenchStack, o: { quick: boolean }): Promise<ThroughputResult> {
  const ms = o.quick ? 300 : 3_000;
  const levels = o.quick ? [16] : [8, 32, 64];
  await stack.syncToken();
  return {
    page_100: await sweep(levels, ms, () => stack.callListContacts(100)),
    page_1: await sweep(levels, ms, () => stack.callListContacts(1)),
  };
}
