/**
 * Runs every benchmark (or a chosen subset) and collects their figures. The HTTP benches share one
 * stack of processes (provider fake, `crm-mcp serve`, the floors — stack.ts); the spread, idle,
 * stdio and memory benches build their own. A bench that throws is recorded under `errors` and
 * the others still run.
 */
import { cpus } from 'node:os';
import { ceilings, compare, ratios, SCENARIOS, STAR_CALLS_PER_S, type Ceiling, type Ratios, type ScenarioResult, type SdkLine } from './compare.js';
import { benchIdleRefresh, type IdleRefreshResult } from './idle-refresh.js';
import { benchJsonata, type JsonataResult } from './jsonata.js';
import { benchMemory, type MemoryResult } from './memory.js';
import { RAISED_LIMIT } from './provider.js';
import { benchSpread, type SpreadResult } from './spread.js';
import { startBenchStack } from './stack.js';
import { benchStampede, type StampedeResult } from './stampede.js';
import { benchStartup, type StartupResult } from './startup.js';
import { round, since } from './stats.js';
import type { Era } from './load.js';

export const BENCHES = ['compare', 'stampede', 'spread', 'idle', 'startup', 'jsonata', 'memory'] as const;
export type BenchName = (typeof BENCHES)[number];

export interface BenchResults {
  meta: { started_at: string; seconds: number; quick: boolean; node: string; cpus: number; cpu_model: string; notes: string[] };
  figures: {
    compare?: { product_sdk_line: SdkLine; eras: { crm: Era[]; sdk: Era[] }; framing: Record<string, 'json' | 'sse'>; scenarios: ScenarioResult[]; ratios: Ratios[]; ceilings: Ceiling[] };
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
        'Processes: the load generator (this process, plain HTTP JSON-RPC over undici), `crm-mcp serve` (node dist/cli/main.js), the provider fake (the sandbox HubSpot), and the floors (bare node:http, bare SDK v2 createMcpHandler, the same SDK v2 server calling the provider) each run in their own process, on the same machine: every figure includes their contention for its cores, the ratios much less so.',
        'Interleaved: every round runs each target in turn (order rotating per round); figures are summed over the rounds. CPU per call = the process\'s own process.cpuUsage() delta over its loops ÷ its successful calls (read by a preload probe over IPC, no product flag).',
        'Floors: node:http = a bare node:http server; SDK v2 = @modelcontextprotocol/server createMcpHandler under @modelcontextprotocol/node toNodeHandler (a fresh McpServer per request; 2025-era answers as SSE, its default); SDK 1.x = a new McpServer + stateless StreamableHTTPServerTransport per request with JSON answers (its stateless idiom; offered while the package is installed). Ratios use the SDK floor of crm-mcp\'s own line and era when measured.',
        'SDK v2 floor + provider: the SDK v2 floor whose tools first GET from the provider fake what crm-mcp fetches for that call (the direct target\'s URL and headers, over undici, body read whole), then return the same captured result. It pays the provider round trip crm-mcp pays, which the issue\'s SDK floor does not; its ratios are reported beside the issue\'s goals (which stay against the SDK floor). CPU per call counts the server\'s own process only for both; the fake\'s is reported apart.',
        `★ ceiling = cores × 1000 ÷ (load generator + provider fake + server CPU ms per call), each measured over crm-mcp's own loops in this run: the load generator, the fake and the server share this machine's ${cpus().length} cores, so no server passes cores × 1000 ÷ (load generator + fake) here, and ${STAR_CALLS_PER_S.toLocaleString('en')} calls/s leaves the server cores × 1000 ÷ ${STAR_CALLS_PER_S} − (load generator + fake) ms per call.`,
        'Floors answer with crm-mcp\'s own captured answers (same bytes; the SDK floor returns the same tool result and validates it against a loose output schema). Added p50 = crm-mcp p50 − the provider called directly; the SDK floor\'s own added p50 = SDK p50 − node:http p50.',
        `The HubSpot sandbox's rate limit is raised from 100 per 10 s to ${RAISED_LIMIT.max.toLocaleString('en')} per 10 s (search limit off) so the bench measures crm-mcp, not throttling.`,
        'Store: embedded SQLite (encrypted) in a temp dir for `serve`; spread uses the in-memory KvStore with a stepped clock.',
        'Stampede: the stored token\'s expiry is written from the bench process (as another replica would) and the provider fake expires its tokens; the burst starts 1.5 s later (the cross-replica bound of issue 16).',
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

  if (want.has('compare') || want.has('stampede') || want.has('jsonata')) {
    const stack = await startBenchStack();
    try {
      await step('compare', async () => {
        progress(`bench:   eras served: crm-mcp ${stack.eras.crm.join(', ')}; SDK floor ${stack.eras.sdk.join(', ')}`);
        const scenarios = await compare(stack.targets, SCENARIOS, {
          rounds: o.quick ? 1 : 5, loopMs: o.quick ? 150 : 1_500, warmupMs: o.quick ? 100 : 1_000, provider: stack.provider.proc.probe, progress,
        });
        return {
          product_sdk_line: stack.productLine, eras: stack.eras, framing: stack.framing, scenarios, ratios: scenarios.flatMap((sc) => ratios(sc, stack.productLine)),
          ceilings: scenarios.flatMap((sc) => ceilings(sc, cpus().length, STAR_CALLS_PER_S)),
        };
      }, (v) => (results.figures.compare = v));
      await step('jsonata', async () => benchJsonata(stack.serve.registry, await stack.rawPage(), o), (v) => (results.figures.jsonata = v));
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
