/**
 * `npm run bench -- --profile`: a V8 CPU profile of `crm-mcp serve` under load (list_contacts 100
 * records, closed loop), taken by the probe inside the serve process over exactly the load window,
 * and its top functions by self time, grouped by package: a node_modules package by name, our
 * code as `crm-mcp src/<module>` (dist/<module>/… maps back to src/), node's own JavaScript as
 * `node internals`, V8's `(garbage collector)` as GC and `(program)` (native work outside JS).
 */
import { existsSync, readFileSync } from 'node:fs';
import { GENERATED_NAME } from '../../src/integrations/fast-codegen.js';
import { SourceMap } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Target } from './compare.js';
import { PAGE } from './compare.js';
import { closedLoop } from './load.js';
import { round } from './stats.js';

const DIST = fileURLToPath(new URL('../../dist/', import.meta.url));
const SRC = fileURLToPath(new URL('../../src/', import.meta.url));
const BUNDLE = `${DIST}cli/`;

interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number; columnNumber?: number } }>;
  samples: number[];
}

export interface ProfiledFunction {
  fn: string;
  group: string;
  where: string;
  samples: number;
  /** Share of the non-idle samples × the process's cpuUsage per call. */
  ms_per_call: number;
  /** Share of the non-idle samples. */
  pct: number;
}

export interface ProfileResult {
  file: string;
  seconds: number;
  concurrency: number;
  calls: number;
  calls_per_s: number;
  /** The serve process's cpuUsage over the window, per call. */
  cpu_ms_per_call: number;
  /** Non-idle samples of the main thread in the window. */
  samples: number;
  top: ProfiledFunction[];
  groups: Array<{ group: string; ms_per_call: number; pct: number }>;
}

/** Which package a profiled function belongs to. */
function groupOf(url: string, fn: string): string {
  if (!url) {
    if (fn === '(garbage collector)') return 'GC';
    if (fn === '(program)' || fn === '(idle)' || fn === '(root)') return fn;
    // A mapping's generated function (src/integrations/fast-codegen.ts) has no script URL.
    if (fn === GENERATED_NAME) return 'crm-mcp src/integrations';
    return 'V8 builtins / native addons';
  }
  if (url.startsWith('node:')) return 'node internals';
  if (url.startsWith('data:')) return 'bench probe';
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  const nm = path.lastIndexOf('/node_modules/');
  if (nm !== -1) {
    const parts = path.slice(nm + '/node_modules/'.length).split('/');
    return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
  }
  if (path.startsWith(DIST)) return `crm-mcp src/${path.slice(DIST.length).split('/')[0]!.replace(/\.js$/, '.ts')}`;
  if (path.startsWith(SRC)) return `crm-mcp src/${path.slice(SRC.length).split('/')[0]!}`;
  return path;
}

/**
 * The frame's place in its original file: the CLI is bundled (scripts/bundle-cli.ts), so a frame
 * in dist/cli/ is looked up in its chunk's source map; any other frame is where it ran.
 */
function originalFrame(maps: Map<string, SourceMap | undefined>, frame: { url: string; lineNumber: number; columnNumber?: number }): { url: string; lineNumber: number } {
  const { url, lineNumber } = frame;
  if (!url.startsWith('file://') || !fileURLToPath(url).startsWith(BUNDLE)) return { url, lineNumber };
  if (!maps.has(url)) {
    const file = `${fileURLToPath(url)}.map`;
    maps.set(url, existsSync(file) ? new SourceMap(JSON.parse(readFileSync(file, 'utf8')) as ConstructorParameters<typeof SourceMap>[0]) : undefined);
  }
  const entry = maps.get(url)?.findEntry(lineNumber, frame.columnNumber ?? 0);
  if (!entry || !('originalSource' in entry) || !entry.originalSource) return { url, lineNumber };
  return { url: new URL(entry.originalSource, url).href, lineNumber: entry.originalLine };
}

/**
 * Self time by sample count, not by the samples' wall-clock deltas: on a loaded machine a
 * descheduled thread's next sample carries the time it waited, which is not CPU. A function's
 * ms/call is its share of the non-idle samples × the process's cpuUsage per call.
 */
function analyse(profile: CpuProfile, cpuMsPerCall: number, topN = 20): Pick<ProfileResult, 'top' | 'groups' | 'samples'> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const hits = new Map<number, number>();
  for (const id of profile.samples) hits.set(id, (hits.get(id) ?? 0) + 1);
  const fns = new Map<string, { fn: string; group: string; where: string; n: number }>();
  const maps = new Map<string, SourceMap | undefined>();
  let busy = 0;
  for (const [id, n] of hits) {
    const { functionName } = byId.get(id)!.callFrame;
    const { url, lineNumber } = originalFrame(maps, byId.get(id)!.callFrame);
    const fn = functionName || '(anonymous)';
    const group = groupOf(url, fn);
    if (group === '(idle)' || group === '(root)') continue;
    busy += n;
    const file = url ? (url.startsWith('file://') ? fileURLToPath(url) : url).split('/').slice(-2).join('/') : '';
    const where = file ? `${file}:${lineNumber + 1}` : '';
    const key = `${fn}\u0000${where}`;
    const f = fns.get(key) ?? { fn, group, where, n: 0 };
    f.n += n;
    fns.set(key, f);
  }
  const groups = new Map<string, number>();
  for (const f of fns.values()) groups.set(f.group, (groups.get(f.group) ?? 0) + f.n);
  const share = (n: number) => n / Math.max(1, busy);
  return {
    samples: busy,
    top: [...fns.values()].sort((a, b) => b.n - a.n).slice(0, topN).map((f) => ({ fn: f.fn, group: f.group, where: f.where, samples: f.n, ms_per_call: round(share(f.n) * cpuMsPerCall, 3), pct: round(100 * share(f.n), 1) })),
    groups: [...groups.entries()].sort((a, b) => b[1] - a[1]).map(([group, n]) => ({ group, ms_per_call: round(share(n) * cpuMsPerCall, 3), pct: round(100 * share(n), 1) })),
  };
}

export async function profileServe(crm: Target, o: { seconds: number; concurrency: number; file: string }): Promise<ProfileResult> {
  await closedLoop(crm.calls.list, o.concurrency, Math.min(2_000, o.seconds * 500), PAGE);
  await crm.probe.profileStart();
  const c0 = await crm.probe.cpuMs();
  const r = await closedLoop(crm.calls.list, o.concurrency, o.seconds * 1000, PAGE);
  const c1 = await crm.probe.cpuMs();
  await crm.probe.profileStop(o.file);
  const profile = JSON.parse(readFileSync(o.file, 'utf8')) as CpuProfile;
  const cpuMsPerCall = (c1 - c0) / Math.max(1, r.calls);
  return {
    file: o.file, seconds: r.seconds, concurrency: o.concurrency, calls: r.calls, calls_per_s: round(r.calls / r.seconds, 1),
    cpu_ms_per_call: round(cpuMsPerCall), ...analyse(profile, cpuMsPerCall),
  };
}

export function renderProfile(p: ProfileResult): string {
  const lines = [
    `crm-mcp serve CPU profile: list_contacts ${PAGE}, c=${p.concurrency}, ${p.seconds} s, ${p.calls} calls (${p.calls_per_s} calls/s); process cpuUsage ${p.cpu_ms_per_call} ms/call; ${p.samples} non-idle main-thread samples`,
    'ms/call = share of the samples × cpuUsage per call (sample counts, not wall-clock deltas: they survive a loaded machine)',
    `profile: ${p.file}`,
    '',
    'top functions by self time:',
    `${'ms/call'.padStart(8)} ${'%'.padStart(5)}  ${'group'.padEnd(34)} function (file:line)`,
    ...p.top.map((f) => `${f.ms_per_call.toFixed(3).padStart(8)} ${f.pct.toFixed(1).padStart(5)}  ${f.group.padEnd(34)} ${f.fn}${f.where ? ` (${f.where})` : ''}`),
    '',
    'by package:',
    ...p.groups.map((g) => `${g.ms_per_call.toFixed(3).padStart(8)} ${g.pct.toFixed(1).padStart(5)}  ${g.group}`),
  ];
  return lines.join('\n');
}
