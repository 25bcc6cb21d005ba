/**
 * `npm run bench` in quick mode, from source: the real multi-process pipeline (provider fake,
 * `crm-mcp serve` from dist/, the floors, the load generator) produces every figure with sane
 * types, and `--profile` yields a grouped profile of the serve process. Timing goals are reported
 * by the bench, never asserted here.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SCENARIOS } from './compare.js';
import { profileServe } from './profile.js';
import { rows } from './report.js';
import { startBenchStack } from './stack.js';
import { renderTable } from './stats.js';
import { runBench } from './suite.js';

const num = expect.any(Number);
const summary = { n: num, mean: num, p50: num, p99: num, min: num, max: num };

describe('bench (quick mode)', () => {
  it('measures crm-mcp serve and the floors in their own processes, every scenario, with ratios, goals, the ★ ceiling and a table', async () => {
    const r = await runBench({ quick: true });
    expect(r.errors).toEqual({});
    const c = r.figures.compare!;
    expect(c.eras.crm).toContain('2025-11-25');
    expect(c.eras.sdk).toEqual(['2025-11-25', '2026-07-28']);
    expect(c.scenarios.map((s) => s.scenario.name)).toEqual(SCENARIOS.map((s) => s.name));
    for (const s of c.scenarios) {
      expect(new Set(s.targets.map((t) => t.role))).toEqual(new Set(['crm', 'sdk', 'sdk_provider', 'http', 'direct']));
      expect(s.targets.filter((t) => t.role === 'sdk_provider').map((t) => t.era)).toEqual(c.eras.sdk);
      for (const t of s.targets) {
        // Every call answered with the expected records, and each process's CPU (and the load generator's) was read.
        expect(t.failures, `${s.scenario.name}: ${t.target}`).toEqual({});
        expect(t.n).toBeGreaterThan(0);
        expect(t.cpu_ms_per_call).toBeGreaterThan(0);
        expect(t.loadgen_cpu_ms_per_call).toBeGreaterThan(0);
        expect(t).toMatchObject({ p50_ms: num, p99_ms: num, calls_per_s: num });
        expect(t.round_p50_ms).toHaveLength(s.rounds);
        // The provider fake works for exactly the targets that call it.
        if (t.role === 'crm' || t.role === 'sdk_provider') expect(t.provider_cpu_ms_per_call, t.target).toBeGreaterThan(0);
        else expect(t.provider_cpu_ms_per_call, t.target).toBeUndefined();
      }
    }
    expect(c.ratios.filter((x) => x.era === '2025-11-25')).toHaveLength(SCENARIOS.length);
    for (const x of c.ratios) {
      expect(x).toMatchObject({ cpu_x: num, calls_x: num, crm_added_p50_ms: num, sdk_added_p50_ms: num, excess_p50_ms: num });
      // One figure per round, from that round's own p50s.
      expect(x.excess_round_p50_ms).toEqual(Array.from({ length: c.scenarios[0]!.rounds }, () => num));
      expect(x.with_provider).toMatchObject({ floor: `SDK v2 floor + provider, ${x.era}`, cpu_x: num, calls_x: num, p50_x: num, added_p50_ms: num });
    }
    const lists = SCENARIOS.filter((s) => s.tool === 'list').length;
    expect(c.ceilings).toHaveLength(lists * c.eras.crm.length);
    for (const k of c.ceilings) {
      expect(k.cores).toBe(r.meta.cpus);
      expect(k.any_server_calls_per_s).toBeGreaterThan(k.calls_per_s);
      const formula = (k.cores * 1000) / (k.loadgen_cpu_ms_per_call + k.provider_cpu_ms_per_call + k.server_cpu_ms_per_call);
      expect(Math.abs(k.calls_per_s / formula - 1)).toBeLessThan(0.01);
    }
    const f = r.figures;
    expect(f.stampede).toMatchObject({ calls: num, ok_calls: f.stampede?.calls, fresh_errors: {}, provider_token_requests: num, call_expired: summary, call_fresh: summary });
    expect(f.stampede?.provider_token_requests).toBeGreaterThanOrEqual(1);
    expect(f.idle?.rows).toHaveLength(8);
    for (const row of f.idle?.rows ?? []) expect(row).toMatchObject({ refresh_grants: num, grants_per_lifetime: num, reuse_detections: 0, min_age_fraction: num });
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
    for (const goal of ['≤ 1.5×', '≥ 0.67×', '≤ 1 ms', '≥ 1,500 calls/s', 'exactly 1 refresh', 'max ≤ 2× mean', 'each token refreshed once', '≤ 1.2× the bare v2 server']) expect(table).toContain(goal);
    expect(table).toContain('crm-mcp ÷ SDK v2 floor + provider');
    expect(table).toContain('★ ceiling');
    expect(table).toMatch(/✓|✗/);
  }, 150_000);

  it('profiles the serve process under load: top functions by self time, grouped by package', async () => {
    const stack = await startBenchStack();
    const dir = mkdtempSync(join(tmpdir(), 'crm-mcp-bench-profile-'));
    try {
      const crm = stack.targets.find((t) => t.role === 'crm')!;
      const p = await profileServe(crm, { seconds: 1, concurrency: 4, file: join(dir, 'serve.cpuprofile') });
      expect(existsSync(p.file)).toBe(true);
      expect(p.calls).toBeGreaterThan(0);
      expect(p.top.length).toBeGreaterThan(0);
      const groups = p.groups.map((g) => g.group);
      expect(groups.some((g) => g.startsWith('crm-mcp src/'))).toBe(true);
      expect(groups.some((g) => g.startsWith('@modelcontextprotocol/'))).toBe(true);
    } finally {
      await stack.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
