/** Turns the bench results into the table rows (figure, value, goal, ✓/✗). */
import type { BenchResults } from './suite.js';
import { startupRows } from './startup.js';
import { PAGE, STAR_CALLS_PER_S, type Ceiling, type Ratios, type ScenarioResult } from './compare.js';
import { goalStatus, ms, round, type Row } from './stats.js';

const failedNote = (f: Record<string, number>): string => (Object.keys(f).length ? ` — FAILED calls: ${Object.entries(f).map(([k, v]) => `${v}× ${k}`).join(', ')}` : '');
const info = (figure: string, value: string): Row => ({ figure, value, goal: '(reported)', status: 'info' });

export function rows(r: BenchResults): Row[] {
  const out: Row[] = [];
  const f = r.figures;
  if (f.compare) out.push(...compareRows(f.compare));
  if (f.stampede) {
    const s = f.stampede;
    out.push({ figure: `refresh stampede: ${s.calls} calls, expired token`, value: `${s.provider_token_requests} provider token request(s)`, goal: 'exactly 1 refresh', status: goalStatus(s.provider_token_requests === 1) });
    out.push({ figure: '  calls ok (expired burst; fresh burst)', value: `${s.ok_calls}/${s.calls}${failedNote(s.errors)}; fresh burst: ${failedNote(s.fresh_errors) || 'all ok'}`, goal: 'every call ok', status: goalStatus(s.ok_calls === s.calls && Object.keys(s.fresh_errors).length === 0) });
    out.push(info('  whole calls, expired vs fresh burst', `p50 ${ms(s.call_expired.p50)} vs ${ms(s.call_fresh.p50)}, p99 ${ms(s.call_expired.p99)} vs ${ms(s.call_fresh.p99)}`));
  }
  if (f.spread) {
    const s = f.spread;
    out.push({ figure: `proactive spread: ${s.accounts} accounts, same second`, value: `max ${s.max_per_bucket} vs mean ${s.mean_per_bucket} per 1-s bucket (${s.max_over_mean}×, ${s.buckets} buckets, ${s.refreshed} refreshed)`, goal: 'max ≤ 2× mean', status: goalStatus(s.max_over_mean <= 2 && s.refreshed === s.accounts) });
  }
  if (f.idle) {
    for (const r of f.idle.rows) {
      const once = r.reuse_detections === 0 && r.invalid_grants === 0 && r.min_age_fraction >= 0.5 && r.max_age_fraction < 1;
      out.push({
        figure: `idle refresh: L = ${r.lifetime_s} s, ${r.replicas} replica${r.replicas > 1 ? 's' : ''} (${r.accounts} accounts × ${r.lifetimes} L)`,
        value: `${r.refresh_grants} refresh grants = ${r.grants_per_lifetime} per account per L; each token replaced at ${r.min_age_fraction}–${r.max_age_fraction} L; ${r.reuse_detections} reuse, ${r.invalid_grants} invalid_grant`,
        goal: 'each token refreshed once (≥ L/2, < L), no loop',
        status: goalStatus(once),
      });
    }
  }
  if (f.startup) out.push(...startupRows(f.startup));
  if (f.jsonata) {
    const j = f.jsonata;
    out.push(info(`JSONata mapping, ${j.records}-record page`, `jsonata interpreter ${ms(j.jsonata_ms)}, compiled fast path ${j.fast_path_ms} ms, plain TS ${j.plain_ts_ms} ms (interpreter/TS ${j.ratio}×); engine step with record schema ${ms(j.engine_map_step_ms)}; outputs identical: ${j.outputs_identical}`));
  }
  if (f.memory) {
    for (const p of [f.memory.sqlite, f.memory.memory]) {
      out.push(info(`memory: ${p.accounts} accounts (${p.backend === 'sqlite' ? 'embedded SQLite' : 'in-memory KvStore'}), ${p.scheduled} scheduled`, `RSS ${p.rss_mb} MB, heapUsed ${p.heap_used_mb} MB (before loading: RSS ${p.baseline_rss_mb} MB, heap ${p.baseline_heap_used_mb} MB; +${round(p.rss_mb - p.baseline_rss_mb, 1)} MB RSS)`));
    }
  }
  for (const [name, e] of Object.entries(r.errors)) out.push({ figure: `${name}: FAILED`, value: e, goal: '', status: '✗' });
  return out;
}

const x = (v: number) => `${v.toFixed(2)}×`;

function compareRows(c: NonNullable<BenchResults['figures']['compare']>): Row[] {
  const out: Row[] = [
    info('eras measured', `crm-mcp serve (SDK ${c.product_sdk_line} line): ${c.eras.crm.join(', ')}; SDK v2 floor: ${c.eras.sdk.join(', ')} (2026-07-28 only where a server/discover probe is answered)`),
    info('answer framing', Object.entries(c.framing).map(([t, f]) => `${t}: ${f}`).join('; ')),
  ];
  for (const s of c.scenarios) out.push(...scenarioRows(s, c.ratios.filter((r) => r.scenario === s.scenario.name)));
  const best = Math.max(0, ...c.scenarios.filter((s) => s.scenario.tool === 'list').flatMap((s) => s.targets.filter((t) => t.role === 'crm').map((t) => t.calls_per_s)));
  out.push({ figure: `★ crm-mcp calls/s, list_contacts ${PAGE} (best c)`, value: `${best} calls/s`, goal: '≥ 1,500 calls/s', status: goalStatus(best >= STAR_CALLS_PER_S) });
  out.push(...c.ceilings.map(ceilingRow));
  return out;
}

function ceilingRow(k: Ceiling): Row {
  const rest = k.loadgen_cpu_ms_per_call + k.provider_cpu_ms_per_call;
  const budget = k.server_budget_ms_at_goal > 0 ? `${STAR_CALLS_PER_S.toLocaleString('en')} calls/s leaves the server ${k.server_budget_ms_at_goal.toFixed(3)} ms/call` : `${STAR_CALLS_PER_S.toLocaleString('en')} calls/s is out of reach with this load generator and fake`;
  return info(
    `  ★ ceiling, ${k.scenario}: ${k.target}`,
    `${k.cores} cores × 1000 ÷ (load gen ${k.loadgen_cpu_ms_per_call.toFixed(3)} + fake ${k.provider_cpu_ms_per_call.toFixed(3)} + server ${k.server_cpu_ms_per_call.toFixed(3)} ms/call) = ${k.calls_per_s} calls/s; any server: ${k.cores} × 1000 ÷ ${round(rest, 3)} = ${k.any_server_calls_per_s} calls/s; ${budget}`,
  );
}

function scenarioRows(s: ScenarioResult, rs: Ratios[]): Row[] {
  const out: Row[] = [];
  for (const t of s.targets) {
    const fake = t.provider_cpu_ms_per_call !== undefined ? ` (+ fake ${t.provider_cpu_ms_per_call.toFixed(2)})` : '';
    out.push(info(`${s.scenario.name}: ${t.target}`, `p50 ${ms(t.p50_ms)} p99 ${ms(t.p99_ms)} | ${t.calls_per_s} calls/s | CPU ${t.cpu_ms_per_call.toFixed(3)} ms/call${fake} | load gen ${t.loadgen_cpu_ms_per_call.toFixed(3)} | n ${t.n}${failedNote(t.failures)}`));
  }
  for (const r of rs) {
    out.push(info(`  ${r.era}: ratios against`, r.floor));
    out.push({ figure: `  ${r.era}: crm-mcp ÷ SDK floor, CPU per call`, value: x(r.cpu_x), goal: '≤ 1.5×', status: goalStatus(r.cpu_x <= 1.5) });
    out.push({ figure: `  ${r.era}: crm-mcp ÷ SDK floor, calls/s`, value: x(r.calls_x), goal: '≥ 0.67×', status: goalStatus(r.calls_x >= 0.67) });
    const rounds = r.excess_round_p50_ms;
    const spread = rounds.length > 1 ? ` (per round ${ms(Math.min(...rounds))} to ${ms(Math.max(...rounds))}, ${rounds.filter((e) => e <= 1).length} of ${rounds.length} ≤ 1 ms)` : '';
    const added = `crm-mcp adds ${ms(r.crm_added_p50_ms)} over the provider, the SDK ${ms(r.sdk_added_p50_ms)} over node:http: ${ms(r.excess_p50_ms)} more${spread}`;
    if (s.scenario.concurrency === 1) out.push({ figure: `  ${r.era}: added p50 over the SDK floor's`, value: added, goal: '≤ 1 ms', status: goalStatus(r.excess_p50_ms <= 1) });
    else out.push(info(`  ${r.era}: added p50 over the SDK floor's`, added));
    const w = r.with_provider;
    if (w) out.push(info(`  ${r.era}: crm-mcp ÷ ${w.floor}`, `CPU per call ${x(w.cpu_x)}, calls/s ${x(w.calls_x)}, p50 ${x(w.p50_x)} (${w.added_p50_ms >= 0 ? '+' : ''}${ms(w.added_p50_ms)})`));
  }
  return out;
}
