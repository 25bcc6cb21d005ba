/**
 * `npm run bench` in quick mode, from source: every figure of the issue is present with sane
 * types. Timing goals are reported by the bench, never asserted here.
 */
import { describe, expect, it } from 'vitest';
import { rows } from './report.js';
import { renderTable } from './stats.js';
import { runBench } from './suite.js';

const num = expect.any(Number);
const summary = { n: num, mean: num, p50: num, p99: num, min: num, max: num };

describe('bench (quick mode)', () => {
  it('produces every figure, with its goal status, and a table', async () => {
    const r = await runBench({ quick: true });
    expect(r.errors).toEqual({});
    const f = r.figures;
    for (const c of [f.latency?.c1, f.latency?.c32]) expect(c).toMatchObject({ mcp: summary, direct: summary, added_p50_ms: num, added_p99_ms: num });
    expect(f.latency?.breakdown).toMatchObject({ mapping_jsonata_and_schema_ms: num, sdk_framing_http_residual_ms: num, token_lookup_ms: num, http_auth_ms: num, mcp_server_build_ms: num });
    expect(f.throughput?.page_100.best.calls_per_s).toBeGreaterThan(0);
    expect(f.throughput?.page_1.best.calls_per_s).toBeGreaterThan(0);
    expect(f.stampede).toMatchObject({ calls: num, ok_calls: f.stampede?.calls, provider_token_requests: num, token_wait_expired: summary, token_wait_fresh: summary, waiters_added_p50_ms: num, call_expired: summary });
    expect(f.stampede?.provider_token_requests).toBeGreaterThanOrEqual(1);
    expect(f.idle?.rows).toHaveLength(8);
    for (const r of f.idle?.rows ?? []) expect(r).toMatchObject({ refresh_grants: num, grants_per_lifetime: num, reuse_detections: 0, min_age_fraction: num });
    expect(f.spread).toMatchObject({ accounts: num, refreshed: f.spread?.accounts, max_per_bucket: num, mean_per_bucket: num, max_over_mean: num });
    for (const t of ['crm_mcp', 'hubspot_mcp_server', 'bare_sdk_mcp_server', 'node_floor'] as const) {
      expect(f.startup?.[t], t).toMatchObject({ initialize_median_ms: num, tools_list_median_ms: num, first_tool_result_median_ms: num });
    }
    expect(f.startup?.bare_sdk_mcp_server.tools).toBe(f.startup?.crm_mcp.tools);
    expect(f.startup?.tools_list_ratio).toEqual(num);
    expect(f.startup?.crm_mcp.tools).toBeGreaterThan(0);
    expect(f.jsonata).toMatchObject({ records: 100, jsonata_ms: num, fast_path_ms: num, plain_ts_ms: num, outputs_identical: true });
    for (const b of ['sqlite', 'memory'] as const) expect(f.memory?.[b]).toMatchObject({ accounts: num, scheduled: num, rss_mb: num, heap_used_mb: num });
    const table = renderTable(rows(r));
    for (const goal of ['≤ 1 ms added p50', '≥ 1,500 calls/s', 'exactly 1 refresh', 'max ≤ 2× mean', 'each token refreshed once', '≤ 1.2× the bare v2 server']) expect(table).toContain(goal);
    expect(table).toMatch(/PASS|MISS/);
  }, 90_000);
});
