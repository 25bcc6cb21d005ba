/** Turns the bench results into the table rows (figure, value, goal, PASS/MISS). */
import type { BenchResults } from './suite.js';
import { startupRows } from './startup.js';
import { goalStatus, ms, round, type Row } from './stats.js';

const failedNote = (f: Record<string, number>): string => (Object.keys(f).length ? ` — FAILED calls: ${Object.entries(f).map(([k, v]) => `${v}× ${k}`).join(', ')}` : '');
const info = (figure: string, value: string): Row => ({ figure, value, goal: '(reported)', status: 'info' });

export function rows(r: BenchResults): Row[] {
  const out: Row[] = [];
  const f = r.figures;
  if (f.latency) {
    const { c1, c32, breakdown: b } = f.latency;
    const sbs = (s: typeof c1) => `MCP p50 ${ms(s.mcp.p50)} p99 ${ms(s.mcp.p99)} | direct p50 ${ms(s.direct.p50)} p99 ${ms(s.direct.p99)} | added p50 ${ms(s.added_p50_ms)} p99 ${ms(s.added_p99_ms)}`;
    out.push({ figure: 'added latency, list_contacts 100, c=1', value: sbs(c1), goal: '≤ 1 ms added p50', status: goalStatus(c1.added_p50_ms <= 1) });
    out.push(info('added latency, list_contacts 100, c=32', sbs(c32) + failedNote(c32.failures)));
    out.push(info(`  where the time goes (c=1, ${b.rounds} rounds)`, `MCP call ${ms(b.mcp_http_ms)} = mapping (JSONata fast path) + record schema ${ms(b.mapping_jsonata_and_schema_ms)}, output-schema check ${ms(b.output_validation_ms)}, result build ${ms(b.result_build_ms)}, server build ${ms(b.mcp_server_build_ms)}`));
    out.push(info('', `+ JSON-RPC/HTTP/JSON rest ${ms(b.sdk_framing_http_residual_ms)}, HTTP auth ${ms(b.http_auth_ms)}, account reload ${ms(b.account_reload_ms)}, token lookup ${ms(b.token_lookup_ms)}, engine other ${ms(b.engine_other_ms)}, provider ${ms(b.provider_request_ms)}`));
  }
  if (f.throughput) {
    const t = f.throughput;
    out.push({ figure: 'throughput, list_contacts 100 (saturation)', value: `${t.page_100.best.calls_per_s} calls/s at c=${t.page_100.best.concurrency}${failedNote(t.page_100.best.failures)}`, goal: '≥ 1,500 calls/s', status: goalStatus(t.page_100.best.calls_per_s >= 1500) });
    out.push(info('throughput, list_contacts 1 (saturation)', `${t.page_1.best.calls_per_s} calls/s at c=${t.page_1.best.concurrency}${failedNote(t.page_1.best.failures)}`));
  }
  if (f.stampede) {
    const s = f.stampede;
    out.push({ figure: `refresh stampede: ${s.calls} calls, expired token`, value: `${s.provider_token_requests} provider token request(s)`, goal: 'exactly 1 refresh', status: goalStatus(s.provider_token_requests === 1) });
    out.push({ figure: '  calls ok (expired burst; fresh burst)', value: `${s.ok_calls}/${s.calls}${failedNote(s.errors)}; fresh burst: ${failedNote(s.fresh_errors) || 'all ok'}`, goal: 'every call ok', status: goalStatus(s.ok_calls === s.calls && Object.keys(s.fresh_errors).length === 0) });
    out.push(info('  waiters\' added latency (token wait)', `p50 ${ms(s.waiters_added_p50_ms)} p99 ${ms(s.waiters_added_p99_ms)} (expired: p50 ${ms(s.token_wait_expired.p50)} max ${ms(s.token_wait_expired.max)}; fresh: p50 ${ms(s.token_wait_fresh.p50)})`));
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
  for (const [name, e] of Object.entries(r.errors)) out.push({ figure: `${name}: FAILED`, value: e, goal: '', status: 'MISS' });
  return out;
}
