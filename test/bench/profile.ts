/**
 * `npm run bench -- --profile`: a V8 CPU profile of `crm-mcp serve` under load (list_contacts 100
 * records, closed loop), taken by the probe inside the serve process over exactly the load window,
 * and its top functions by self time, grouped by package: a node_modules package by name, our
 * code as `crm-mcp src/<module>` (dist/<module>/… maps back to src/), node's own JavaScript as
 * `node internals`, V8's `(garbage collector)` as GC and `(program)` (native work outside JS).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Target } from './compare.js';
import { PAGE } from './compare.js';
import { closedLoop } from './load.js';
import { round } from './stats.js';

const DIST = fileURLToPath(new URL('../../dist/', import.meta.url));

interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number } }>;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfiledFunction {
  fn: string;
  group: string;
  where: string;
  self_ms: number;
  /** Self time per tool call in the window. */
  self_ms_per_call: number;
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
  /** Non-idle sampled time per call. */
  sampled_ms_per_call: number;
  top: ProfiledFunction[];
  groups: Array<{ group: string; self_ms_per_call: number; pct: number }>;
}

/** Which package a profiled function belongs to. */
function groupOf(url: string, fn: string): string {
  if (!url) {
    if (fn === '(garbage collector)') return 'GC';
    if (fn === '(program)' || fn === '(idle)' || fn === '(root)') return fn;
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
  return path;
}

function analyse(profile: CpuProfile, calls: number, topN = 20): Pick<ProfileResult, 'top' | 'groups' | 'sampled_ms_per_call'> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  // timeDeltas[i + 1] is the time from sample i to the next one: sample i's share.
  for (let i = 0; i < profile.samples.length; i++) selfUs.set(profile.samples[i]!, (selfUs.get(profile.samples[i]!) ?? 0) + (profile.timeDeltas[i + 1] ?? 0));
  const fns = new Map<string, { fn: string; group: string; where: string; us: number }>();
  let busyUs = 0;
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const fn = functionName || '(anonymous)';
    const group = groupOf(url, fn);
    if (group === '(idle)' || group === '(root)') continue;
    busyUs += us;
    const file = url ? (url.startsWith('file://') ? fileURLToPath(url) : url).split('/').slice(-2).join('/') : '';
    const where = file ? `${file}:${lineNumber + 1}` : '';
    const key = `${fn}\u0000${where}`;
    const f = fns.get(key) ?? { fn, group, where, us: 0 };
    f.us += us;
    fns.set(key, f);
  }
  const groups = new Map<string, number>();
  for (const f of fns.values()) groups.set(f.group, (groups.get(f.group) ?? 0) + f.us);
  const perCall = (us: number) => round(us / 1000 / Math.max(1, calls), 4);
  const pct = (us: number) => round((100 * us) / Math.max(1, busyUs), 1);
  return {
    sampled_ms_per_call: perCall(busyUs),
    top: [...fns.values()].sort((a, b) => b.us - a.us).slice(0, topN).map((f) => ({ fn: f.fn, group: f.group, where: f.where, self_ms: round(f.us / 1000, 1), self_ms_per_call: perCall(f.us), pct: pct(f.us) })),
    groups: [...groups.entries()].sort((a, b) => b[1] - a[1]).map(([group, us]) => ({ group, self_ms_per_call: perCall(us), pct: pct(us) })),
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
  return {
    file: o.file, seconds: r.seconds, concurrency: o.concurrency, calls: r.calls, calls_per_s: round(r.calls / r.seconds, 1),
    cpu_ms_per_call: round((c1 - c0) / Math.max(1, r.calls)), ...analyse(profile, r.calls),
  };
}

export function renderProfile(p: ProfileResult): string {
  const lines = [
    `crm-mcp serve CPU profile: list_contacts ${PAGE}, c=${p.concurrency}, ${p.seconds} s, ${p.calls} calls (${p.calls_per_s} calls/s); cpuUsage ${p.cpu_ms_per_call} ms/call, sampled (non-idle, main thread) ${p.sampled_ms_per_call} ms/call`,
    `profile: ${p.file}`,
    '',
    'top functions by self time:',
    `${'ms/call'.padStart(8)} ${'%'.padStart(5)}  ${'group'.padEnd(34)} function (file:line)`,
    ...p.top.map((f) => `${f.self_ms_per_call.toFixed(3).padStart(8)} ${f.pct.toFixed(1).padStart(5)}  ${f.group.padEnd(34)} ${f.fn}${f.where ? ` (${f.where})` : ''}`),
    '',
    'by package:',
    ...p.groups.map((g) => `${g.self_ms_per_call.toFixed(3).padStart(8)} ${g.pct.toFixed(1).padStart(5)}  ${g.group}`),
  ];
  return lines.join('\n');
}
