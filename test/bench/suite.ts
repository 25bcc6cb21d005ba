/**
 * Runs every benchmark (or a chosen subset) in one process and collects their figures. The HTTP
 * benches share one stack; the spread, stdio and memory benches build their own. A bench that
 * throws is recorded under `errors` and the others still run.
 */
import { cpus } from 'node:os';
import { benchIdleRefresh, type IdleRefreshResult } from './idle-refresh.js';
import { benchJsonata, type JsonataResult } from './jsonata.js';
import { benchLatency, rawPage, type LatencyResult } from './latency.js';
import { benchMemory, type MemoryResult } from './memory.js';
import { benchSpread, type SpreadResult } from './spread.js';
import { RAISED_LIMIT, startBenchStack } from './stack.js';
import { benchStampede, type StampedeResult } from './stampede.js';
import { benchStartup, type StartupResult } from './startup.js';
import { round, since } from './stats.js';
import { benchThroughput, type ThroughputResult } from './throughput.js';

export const BENCHES = ['latency', 'throughput', 'stampede', 'spread', 'idle', 'startup', 'jsonata', 'memory'] as const;
export type BenchName = (typeof BENCHES)[number];

export interface BenchResults {
  meta: { started_at: string; seconds: number; quick: boolean; node: string; cpus: number; cpu_model: string; notes: string[] };
  figures: {
    latency?: LatencyResult;
    throughput?: ThroughputResult;
    stampede?: StampedeResult;
    spread?: SpreadResult;
    idle?: IdleRefreshResult;
    startup?: StartupResult;
    jsonata?: JsonataResult;
    memory?: MemoryResult;
  };
  errors: Record<string, string>;
}

export interface SuiteOptions {
  quick: boolean;
  only?: readonly BenchName[];
  /** Progress lines (stderr in the CLI). */
  progress?: (line: string) => void;
}

export async function runBench(o: SuiteOptions): Promise<BenchResults> {
  const t0 = performance.now();
  const want = new Set(o.only && o.only.length ? o.only : BENCHES);
  const progress = o.progress ?? (() => {});
  const results: BenchResults = {
    meta: {
      started_at: new Date().toISOString(), seconds: 0, quick: o.quick, node: process.version, cpus: cpus().length, cpu_model: cpus()[0]?.model ?? 'unknown',
      notes: [
        `The HubSpot sandbox's rate limit is raised from 100 per 10 s to ${RAISED_LIMIT.max.toLocaleString('en')} per 10 s (search limit off) so the bench measures crm-mcp, not throttling.`,
        'Load generator, MCP server and sandbox provider share this one Node process (loopback HTTP); every figure includes that contention.',
        'Store: embedded SQLite (encrypted) in a temp dir for the HTTP benches; spread uses the in-memory KvStore with a stepped clock.',
        "Stampede: the waiters' added latency is their token wait in the expired burst minus that in the same burst on a fresh token; with a fresh token each call reads and decrypts the account itself, in the stampede they share one refresh, so it can come out negative. The expired burst's max token wait bounds what any waiter paid.",
        'The engine reaches the sandbox through an undici Agent of 256 connections (the stampede would otherwise open 1,000 at once and overflow the listen backlog).',
        'Idle refresh: each replica is the real token manager + scheduler (1 s ticks) in this process, all on one shared store and due queue (as replicas share Redis), against the sandbox OAuth server (rotation + reuse detection), which counts the refresh grants; time is a stepped clock shared by all.',
      ],
    },
    figures: {},
    errors: {},
  };
  const step = async <T>(name: BenchName, fn: () => Promise<T>, set: (v: T) => void) => {
    if (!want.has(name)) return;
    const s0 = performance.now();
    progress(`bench: ${name} …`);
    try {
      set(await fn());
      progress(`bench: ${name} done in ${(since(s0) / 1000).toFixed(1)} s`);
    } catch (e) {
      results.errors[name] = (e as Error).message;
      progress(`bench: ${name} FAILED: ${(e as Error).message}`);
    }
  };

  if (want.has('latency') || want.has('throughput') || want.has('stampede') || want.has('jsonata')) {
    const stack = await startBenchStack();
    try {
      await step('latency', () => benchLatency(stack, o), (v) => (results.figures.latency = v));
      await step('throughput', () => benchThroughput(stack, o), (v) => (results.figures.throughput = v));
      await step('jsonata', async () => benchJsonata(stack.registry, await rawPage(stack), o), (v) => (results.figures.jsonata = v));
      await step('stampede', () => benchStampede(stack, o), (v) => (results.figures.stampede = v));
    } finally {
      await stack.close();
    }
  }
  await step('spread', () => benchSpread(o), (v) => (results.figures.spread = v));
  await step('idle', () => benchIdleRefresh(o), (v) => (results.figures.idle = v));
  await step('startup', () => benchStartup(o), (v) => (results.figures.startup = v));
  await step('memory', () => benchMemory(o), (v) => (results.figures.memory = v));
  results.meta.seconds = round(since(t0) / 1000, 1);
  return results;
}
