/**
 * The same calls against crm-mcp and its floors, interleaved: every round runs each target's
 * closed loop in turn (the order rotating per round), and each target's figures are summed over
 * the rounds — so drift on a shared machine hits all alike. CPU per call is the target process's
 * own cpuUsage delta over its loops divided by its successful calls (for crm-mcp, the provider
 * fake's delta too, reported apart).
 */
import type { Call, Era, LoopResult } from './load.js';
import { closedLoop } from './load.js';
import type { Probe } from './probe.js';
import { percentile, round, type Failures } from './stats.js';

export const PAGE = 100;

/** The issue's ★: crm-mcp calls/s per process, list_contacts of PAGE records. */
export const STAR_CALLS_PER_S = 1500;

export interface Scenario {
  name: string;
  tool: 'list' | 'get';
  concurrency: number;
}

export const SCENARIOS: readonly Scenario[] = [
  { name: `list_contacts ${PAGE}, c=1`, tool: 'list', concurrency: 1 },
  { name: `list_contacts ${PAGE}, c=8`, tool: 'list', concurrency: 8 },
  { name: `list_contacts ${PAGE}, c=32`, tool: 'list', concurrency: 32 },
  { name: 'get_contact, c=1', tool: 'get', concurrency: 1 },
];

/** crm-mcp, the bare SDK floor, the SDK floor that calls the provider, the bare node:http floor, or the provider fake called directly. */
export type Role = 'crm' | 'sdk' | 'sdk_provider' | 'http' | 'direct';

/** Targets whose calls reach the provider fake (its CPU is charged to them, apart). */
const callsProvider = (role: Role): boolean => role === 'crm' || role === 'sdk_provider';

export type SdkLine = 'v1' | 'v2';

export interface Target {
  name: string;
  role: Role;
  /** SDK floors: which SDK line. */
  line?: SdkLine;
  era?: Era;
  /** The process whose CPU is charged to this target's calls. */
  probe: Probe;
  calls: Record<Scenario['tool'], Call>;
}

export interface Measured {
  target: string;
  role: Role;
  line?: SdkLine;
  era?: Era;
  n: number;
  p50_ms: number;
  /** Each round's own p50, in round order (round r of every target ran back to back). */
  round_p50_ms: number[];
  p99_ms: number;
  calls_per_s: number;
  cpu_ms_per_call: number;
  /** crm-mcp and the SDK floor + provider: the provider fake's CPU per call during their loops. */
  provider_cpu_ms_per_call?: number;
  /** The load generator's (this process's) CPU per call during the target's loops. */
  loadgen_cpu_ms_per_call: number;
  failures: Failures;
}

export interface ScenarioResult {
  scenario: Scenario;
  rounds: number;
  targets: Measured[];
}

export interface CompareOptions {
  rounds: number;
  /** Length of one target's loop in one round. */
  loopMs: number;
  warmupMs: number;
  provider: Probe;
  progress?: (line: string) => void;
}

interface Acc {
  loops: LoopResult[];
  cpuMs: number;
  providerCpuMs: number;
  loadgenCpuMs: number;
}

async function measured(t: Target, call: Call, s: Scenario, ms: number, provider: Probe, acc: Acc): Promise<void> {
  const [c0, p0] = await Promise.all([t.probe.cpuMs(), callsProvider(t.role) ? provider.cpuMs() : 0]);
  const l0 = process.cpuUsage();
  const r = await closedLoop(call, s.concurrency, ms, s.tool === 'list' ? PAGE : 1);
  const l1 = process.cpuUsage(l0);
  const [c1, p1] = await Promise.all([t.probe.cpuMs(), callsProvider(t.role) ? provider.cpuMs() : 0]);
  acc.loops.push(r);
  acc.cpuMs += c1 - c0;
  acc.providerCpuMs += p1 - p0;
  acc.loadgenCpuMs += (l1.user + l1.system) / 1000;
}

export async function compare(targets: readonly Target[], scenarios: readonly Scenario[], o: CompareOptions): Promise<ScenarioResult[]> {
  const out: ScenarioResult[] = [];
  for (const s of scenarios) {
    o.progress?.(`bench:   ${s.name}: ${o.rounds} rounds × ${targets.length} targets × ${o.loopMs} ms`);
    for (const t of targets) await closedLoop(t.calls[s.tool], s.concurrency, o.warmupMs, s.tool === 'list' ? PAGE : 1);
    const accs = targets.map((): Acc => ({ loops: [], cpuMs: 0, providerCpuMs: 0, loadgenCpuMs: 0 }));
    for (let r = 0; r < o.rounds; r++) {
      for (let k = 0; k < targets.length; k++) {
        const i = (k + r) % targets.length;
        await measured(targets[i]!, targets[i]!.calls[s.tool], s, o.loopMs, o.provider, accs[i]!);
      }
    }
    out.push({ scenario: s, rounds: o.rounds, targets: targets.map((t, i) => summarise(t, accs[i]!)) });
  }
  return out;
}

function summarise(t: Target, a: Acc): Measured {
  const times = a.loops.flatMap((l) => l.times);
  const calls = times.length;
  const seconds = a.loops.reduce((s, l) => s + l.seconds, 0);
  const failures: Failures = {};
  for (const l of a.loops) for (const [k, v] of Object.entries(l.failures)) failures[k] = (failures[k] ?? 0) + v;
  return {
    target: t.name, role: t.role, ...(t.line ? { line: t.line } : {}), ...(t.era ? { era: t.era } : {}), n: calls,
    p50_ms: round(percentile(times, 0.5)), round_p50_ms: a.loops.map((l) => round(percentile(l.times, 0.5))), p99_ms: round(percentile(times, 0.99)),
    calls_per_s: round(calls / seconds, 1), cpu_ms_per_call: round(a.cpuMs / calls),
    ...(callsProvider(t.role) ? { provider_cpu_ms_per_call: round(a.providerCpuMs / calls) } : {}),
    loadgen_cpu_ms_per_call: round(a.loadgenCpuMs / calls),
    failures,
  };
}

export interface Ratios {
  scenario: string;
  era: Era;
  /** The SDK floor compared with: the product's own line when measured in this era, else the other. */
  floor: string;
  /** crm-mcp CPU per call ÷ the SDK floor's (same era). Goal ≤ 1.5. */
  cpu_x: number;
  /** crm-mcp calls/s ÷ the SDK floor's. Goal ≥ 0.67. */
  calls_x: number;
  /** crm-mcp p50 − the provider called directly: what crm-mcp adds to the provider call. */
  crm_added_p50_ms: number;
  /** SDK floor p50 − the node:http floor: what the SDK adds to an HTTP exchange of the same bytes. */
  sdk_added_p50_ms: number;
  /** crm_added − sdk_added. Goal ≤ 1 ms (at c=1). */
  excess_p50_ms: number;
  /** The same from each round's own p50s: how much the figure moves from round to round. */
  excess_round_p50_ms: number[];
  /**
   * Against the SDK floor + provider of the same era (no goal of the issue's: the floor calls
   * nothing, this one pays the same provider round trip crm-mcp pays). CPU counts each server's own
   * process only.
   */
  with_provider?: { floor: string; cpu_x: number; calls_x: number; p50_x: number; added_p50_ms: number };
}

/** crm-mcp against the SDK floor of the same era (and the product's SDK line when there is one), for every era crm-mcp was measured in. */
export function ratios(r: ScenarioResult, productLine: SdkLine): Ratios[] {
  const by = (role: Role, era?: Era) => r.targets.find((t) => t.role === role && (era === undefined || t.era === era));
  const floorFor = (era: Era) => r.targets.find((t) => t.role === 'sdk' && t.era === era && t.line === productLine) ?? by('sdk', era);
  const http = by('http');
  const direct = by('direct');
  const out: Ratios[] = [];
  for (const crm of r.targets.filter((t) => t.role === 'crm')) {
    const sdk = crm.era ? floorFor(crm.era) : undefined;
    if (!sdk || !http || !direct || !crm.era) continue;
    const crmAdded = crm.p50_ms - direct.p50_ms;
    const sdkAdded = sdk.p50_ms - http.p50_ms;
    const withProvider = by('sdk_provider', crm.era);
    out.push({
      scenario: r.scenario.name, era: crm.era, floor: sdk.target,
      cpu_x: round(crm.cpu_ms_per_call / sdk.cpu_ms_per_call, 2), calls_x: round(crm.calls_per_s / sdk.calls_per_s, 2),
      crm_added_p50_ms: round(crmAdded), sdk_added_p50_ms: round(sdkAdded), excess_p50_ms: round(crmAdded - sdkAdded),
      excess_round_p50_ms: crm.round_p50_ms.map((c, i) => round(c - direct.round_p50_ms[i]! - (sdk.round_p50_ms[i]! - http.round_p50_ms[i]!))),
      ...(withProvider ? { with_provider: {
        floor: withProvider.target, cpu_x: round(crm.cpu_ms_per_call / withProvider.cpu_ms_per_call, 2), calls_x: round(crm.calls_per_s / withProvider.calls_per_s, 2),
        p50_x: round(crm.p50_ms / withProvider.p50_ms, 2), added_p50_ms: round(crm.p50_ms - withProvider.p50_ms),
      } } : {}),
    });
  }
  return out;
}

/** The most calls/s this machine could give one target's calls, from the CPU each call costs in every process on it. */
export interface Ceiling {
  scenario: string;
  target: string;
  cores: number;
  loadgen_cpu_ms_per_call: number;
  provider_cpu_ms_per_call: number;
  server_cpu_ms_per_call: number;
  /** cores × 1000 ÷ (load generator + fake + server CPU per call). */
  calls_per_s: number;
  /** The same with a server that costs nothing: what no server can pass with this load generator and fake. */
  any_server_calls_per_s: number;
  /** The server CPU per call that `goal` calls/s would leave, given this load generator and fake (≤ 0: out of reach). */
  server_budget_ms_at_goal: number;
}

/**
 * For each crm-mcp target of a list scenario: cores ÷ (load generator + provider fake + crm-mcp CPU
 * per call), every figure measured over crm-mcp's own loops of the run. All three processes share
 * the machine's cores, so no server reaches more than `any_server_calls_per_s` on it.
 */
export function ceilings(r: ScenarioResult, cores: number, goal: number): Ceiling[] {
  if (r.scenario.tool !== 'list') return [];
  return r.targets.filter((t) => t.role === 'crm').map((t) => {
    const rest = t.loadgen_cpu_ms_per_call + (t.provider_cpu_ms_per_call ?? 0);
    return {
      scenario: r.scenario.name, target: t.target, cores, loadgen_cpu_ms_per_call: t.loadgen_cpu_ms_per_call, provider_cpu_ms_per_call: t.provider_cpu_ms_per_call ?? 0,
      server_cpu_ms_per_call: t.cpu_ms_per_call, calls_per_s: round((cores * 1000) / (rest + t.cpu_ms_per_call), 1), any_server_calls_per_s: round((cores * 1000) / rest, 1),
      server_budget_ms_at_goal: round((cores * 1000) / goal - rest),
    };
  });
}
