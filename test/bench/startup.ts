/**
 * stdio startup as a client sees it: spawn → `initialize` answered → `tools/list` answered →
 * first tool result, medians of N interleaved runs (machine noise hits every target alike), and
 * the process's peak RSS (VmHWM) right after `tools/list` was answered. Targets:
 * - crm-mcp: `node dist/cli/main.js stdio --account <id>` (the bundled CLI, scripts/bundle-cli.ts)
 *   over an embedded store holding a real HubSpot account pointed at the loopback HubSpot sandbox
 *   (the demo's config), so its first tool result (`list_contacts`, limit 1) is a real provider call;
 * - a bare v2 server: `@modelcontextprotocol/server` McpServer + StdioServerTransport with the
 *   same tool schemas (14 today), exported from crm-mcp's own `tools/list` (one warm-up run), whose
 *   tool returns crm-mcp's recorded result (so output validation runs on the same payload);
 * - `@hubspot/mcp-server` (the devDependency; skipped with the reason when not installed), whose
 *   first tool is `hubspot-generate-feedback-link` (no network: its API tools would call HubSpot);
 * - `node` answering every line (the floor).
 * Goal (issue 15): crm-mcp's `tools/list` within 1.2× the bare v2 server's. Targets run on this
 * machine's `node` (the first on PATH outside node_modules); when the bench itself runs on
 * another Node, a shorter second pass on that one is reported too.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../src/app/config.js';
import { openStore } from '../../src/app/open-store.js';
import { DEMO_ENVIRONMENT, sandboxConfig } from '../../src/demo/sandbox-env.js';
import { startSandboxes, type Sandboxes } from '../../src/sandbox/index.js';
import { goalStatus, median, ms, round, since, type Row } from './stats.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ACCOUNT_ID = 'bench-stdio';
const GOAL_RATIO = 1.2;
const INIT = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'crm-mcp-bench', version: '1' } } };
const LIST = { jsonrpc: '2.0', id: 2, method: 'tools/list' };
const call = (name: string, args: Record<string, unknown>) => ({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name, arguments: args } });

export interface StartupTarget {
  name: string;
  runs: number;
  /** Median ms spawn → initialize answered. */
  initialize_median_ms: number | null;
  initialize_ms: number[];
  /** Median ms spawn → tools/list answered (null when a run never got there). */
  tools_list_median_ms: number | null;
  /** Median ms spawn → first tool result (null when a run never got there). */
  first_tool_result_median_ms: number | null;
  /** Median peak RSS (VmHWM, MB) read right after tools/list was answered; null off Linux. */
  peak_rss_mb_after_list: number | null;
  /**
   * Median CPU time (ms, every thread) the process had used when tools/list was answered; null
   * off Linux. Less sensitive than wall time to other load on the machine.
   */
  cpu_ms_at_list: number | null;
  tools: number | null;
  /** What the first tool call was. */
  tool_call: string;
  error?: string;
}

export interface StartupTargets {
  node: { path: string; version: string };
  crm_mcp: StartupTarget;
  hubspot_mcp_server: StartupTarget;
  /** The bare v2 SDK server with crm-mcp's tool schemas. */
  bare_sdk_mcp_server: StartupTarget;
  node_floor: StartupTarget;
  /** crm-mcp's tools/list median over the bare v2 server's. */
  tools_list_ratio: number | null;
  /** The same ratio for CPU time used until tools/list. */
  cpu_at_list_ratio: number | null;
}

/** The machine's Node; `other_node` is the bench's own Node when it differs. */
export type StartupResult = StartupTargets & { other_node?: StartupTargets };

type TargetKey = 'crm_mcp' | 'hubspot_mcp_server' | 'bare_sdk_mcp_server' | 'node_floor';

/** The first `node` on PATH outside node_modules, else the running one. */
export function machineNode(): string {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (!dir || dir.includes('node_modules')) continue;
    const p = join(dir, 'node');
    if (existsSync(p)) return realpathSync(p);
  }
  return process.execPath;
}

const versionOf = (node: string): string => spawnSync(node, ['-v'], { encoding: 'utf8' }).stdout.trim();

interface Spec {
  name: string;
  command: string;
  args: string[];
  env?: Record<string, string>;
  call: { name: string; args: Record<string, unknown> };
}

interface Run {
  init: number | null;
  list: number | null;
  result: number | null;
  rssMb: number | null;
  cpuMs: number | null;
  tools: unknown[] | null;
  callResult?: unknown;
  error?: string;
}

/** Peak resident set so far (VmHWM), in MB; null where /proc is not there. */
function peakRssMb(pid: number | undefined): number | null {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? round(Number(m[1]) / 1024, 1) : null;
  } catch {
    return null;
  }
}

/** CPU time the process has used so far, every thread (schedstat: ns on CPU), in ms; null where /proc is not there. */
function cpuMs(pid: number | undefined): number | null {
  try {
    let ns = 0;
    for (const task of readdirSync(`/proc/${pid}/task`)) ns += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
    return round(ns / 1e6, 1);
  } catch {
    return null;
  }
}

function once(spec: Spec, timeoutMs: number): Promise<Run> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(spec.command, spec.args, { cwd: ROOT, env: { ...process.env, ...spec.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    const run: Run = { init: null, list: null, result: null, rssMb: null, cpuMs: null, tools: null };
    let buf = '';
    let err = '';
    let done = false;
    const finish = (error?: string) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (error && run.result === null) run.error = error;
      child.stdin.end();
      child.kill('SIGTERM');
      resolve(run);
    };
    const timer = setTimeout(() => finish(`no tool result within ${timeoutMs} ms`), timeoutMs);
    const send = (...msgs: unknown[]) => child.stdin.write(msgs.map((m) => JSON.stringify(m) + '\n').join(''));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('error', (e) => finish(e.message));
    child.on('exit', (code) => finish(`exited ${code} before the tool result: ${err.trim().split('\n').pop()?.slice(0, 200) ?? ''}`));
    child.stdin.on('error', () => {});
    child.stdout.on('data', (c: Buffer) => {
      buf += c.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) !== -1) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        let msg: { id?: number; result?: { tools?: unknown[] }; error?: { message?: string } };
        try {
          msg = JSON.parse(line) as typeof msg;
        } catch {
          continue;
        }
        if (msg.error) return finish(`request ${msg.id} failed: ${msg.error.message ?? '?'}`);
        if (msg.id === 1 && run.init === null) {
          run.init = since(t0);
          send({ jsonrpc: '2.0', method: 'notifications/initialized' }, LIST);
        } else if (msg.id === 2 && run.list === null) {
          run.list = since(t0);
          run.rssMb = peakRssMb(child.pid);
          run.cpuMs = cpuMs(child.pid);
          run.tools = Array.isArray(msg.result?.tools) ? msg.result.tools : null;
          send(call(spec.call.name, spec.call.args));
        } else if (msg.id === 3) {
          run.result = since(t0);
          run.callResult = msg.result;
          finish();
        }
      }
    });
    send(INIT);
  });
}

function summarizeRuns(spec: Spec, runs: Run[]): StartupTarget {
  const all = (pick: (r: Run) => number | null) => {
    const xs = runs.map(pick).filter((x): x is number => x !== null);
    return xs.length === runs.length && xs.length > 0 ? round(median(xs), 1) : null;
  };
  const inits = runs.map((r) => r.init).filter((x): x is number => x !== null);
  const error = runs.find((r) => r.error)?.error;
  return {
    name: spec.name,
    runs: runs.length,
    initialize_median_ms: inits.length ? round(median(inits), 1) : null,
    initialize_ms: inits.map((x) => round(x, 1)),
    tools_list_median_ms: all((r) => r.list),
    first_tool_result_median_ms: all((r) => r.result),
    peak_rss_mb_after_list: all((r) => r.rssMb),
    cpu_ms_at_list: all((r) => r.cpuMs),
    tools: runs.find((r) => r.tools !== null)?.tools?.length ?? null,
    tool_call: spec.call.name,
    ...(error ? { error } : {}),
  };
}

const skipped = (name: string, call: string, reason: string): StartupTarget => ({
  name, runs: 0, initialize_median_ms: null, initialize_ms: [], tools_list_median_ms: null, first_tool_result_median_ms: null, peak_rss_mb_after_list: null, cpu_ms_at_list: null, tools: null, tool_call: call, error: reason,
});

interface Fixture {
  dir: string;
  configFile: string;
  sb: Sandboxes;
  /** crm-mcp's tools/list and its first tool result, as the bare server serves them. */
  toolsFile: string;
}

/** A data dir with the embedded store (generated key) and one active HubSpot account on the sandbox; the demo's config file. */
async function prepare(): Promise<Fixture> {
  const dir = mkdtempSync(join(tmpdir(), 'crm-mcp-bench-stdio-'));
  const sb = await startSandboxes();
  const configFile = join(dir, 'config.json');
  writeFileSync(configFile, JSON.stringify(sandboxConfig(sb)));
  const store = await openStore(loadConfig({ env: {}, flags: { config: configFile, dataDir: dir }, cwd: dir }), { notice: () => {}, create: true });
  const grant = sb.grants!.hubspot;
  const iso = new Date().toISOString();
  await store.accounts.put({
    id: ACCOUNT_ID, tenant_id: 'bench-tenant', integration: 'hubspot', environment: DEMO_ENVIRONMENT, status: 'active', authentication_method: 'oauth2',
    context: { oauth: { token: { access_token: grant.accessToken, refresh_token: grant.refreshToken!, expires_at: new Date(grant.expiresAt).toISOString(), token_type: 'bearer' } } },
    created_at: iso, updated_at: iso, version: 0,
  });
  await store.close();
  return { dir, configFile, sb, toolsFile: join(dir, 'bare-tools.json') };
}

export async function benchStartup(o: { quick: boolean; runs?: number }): Promise<StartupResult> {
  const n = o.runs ?? (o.quick ? 1 : 15);
  const fx = await prepare();
  try {
    const primary = machineNode();
    const result: StartupResult = await pass(primary, n, fx);
    if (!o.quick && realpathSync(process.execPath) !== primary) result.other_node = await pass(process.execPath, Math.max(1, Math.ceil(n / 2)), fx);
    return result;
  } finally {
    await fx.sb.close();
    rmSync(fx.dir, { recursive: true, force: true });
  }
}

/** The bare v2 server: crm-mcp's tool schemas (JSON Schema, as its tools/list gave them), each answering with crm-mcp's recorded result. */
const BARE_V2 = `
import { readFileSync } from 'node:fs';
import { McpServer, fromJsonSchema } from '@modelcontextprotocol/server';
import { StdioServerTransport } from '@modelcontextprotocol/server/stdio';
const { tools, result } = JSON.parse(readFileSync(process.env.BENCH_TOOLS_FILE, 'utf8'));
const server = new McpServer({ name: 'bare-v2', version: '1' }, { capabilities: { tools: {} } });
for (const t of tools) {
  server.registerTool(t.name, { title: t.title, description: t.description, inputSchema: fromJsonSchema(t.inputSchema), ...(t.outputSchema ? { outputSchema: fromJsonSchema(t.outputSchema) } : {}), annotations: t.annotations }, async () => result);
}
await server.connect(new StdioServerTransport());
`;
const FLOOR = "let b='';process.stdin.on('data',c=>{b+=c;let i;while((i=b.indexOf('\\n'))>=0){const m=JSON.parse(b.slice(0,i));b=b.slice(i+1);if(m.id!==undefined)process.stdout.write(JSON.stringify({jsonrpc:'2.0',id:m.id,result:{tools:[],content:[]}})+'\\n');}})";

async function pass(node: string, n: number, fx: Fixture): Promise<StartupTargets> {
  const hubspotBin = join(ROOT, 'node_modules/@hubspot/mcp-server/dist/index.js');
  const hubspotVersion = existsSync(hubspotBin) ? (JSON.parse(readFileSync(join(ROOT, 'node_modules/@hubspot/mcp-server/package.json'), 'utf8')) as { version: string }).version : undefined;
  const crm: Spec = {
    name: 'crm-mcp stdio --account (dist)',
    command: node,
    // Always the built CLI, as users run it (`npm run bench` and the test setup build it first).
    args: [join(ROOT, 'dist/cli/main.js'), 'stdio', '--account', ACCOUNT_ID, '--config', fx.configFile, '--data-dir', fx.dir],
    call: { name: 'list_contacts', args: { limit: 1 } },
  };
  // One warm-up run: crm-mcp's tool schemas and first result for the bare server (and a warm disk cache).
  const warm = await once(crm, 30_000);
  if (warm.error || !warm.tools) throw new Error(`crm-mcp stdio did not start: ${warm.error ?? 'no tools'}`);
  writeFileSync(fx.toolsFile, JSON.stringify({ tools: warm.tools, result: warm.callResult }));
  const specs: Array<[TargetKey, Spec | undefined, string]> = [
    ['crm_mcp', crm, ''],
    ['bare_sdk_mcp_server', { name: 'bare v2 McpServer, the crm-mcp tool schemas', command: node, args: ['--input-type=module', '-e', BARE_V2], env: { BENCH_TOOLS_FILE: fx.toolsFile }, call: crm.call }, ''],
    [
      'hubspot_mcp_server',
      hubspotVersion
        ? { name: `@hubspot/mcp-server ${hubspotVersion}`, command: node, args: [hubspotBin], env: { PRIVATE_APP_ACCESS_TOKEN: 'pat-na1-00000000-0000-0000-0000-000000000000' }, call: { name: 'hubspot-generate-feedback-link', args: {} } }
        : undefined,
      'not installed (the @hubspot/mcp-server devDependency is missing: run npm ci)',
    ],
    ['node_floor', { name: 'node answering every line', command: node, args: ['-e', FLOOR], call: { name: 'any', args: {} } }, ''],
  ];
  const runs = new Map<TargetKey, Run[]>(specs.map(([k]) => [k, []]));
  for (let i = 0; i < n; i++) {
    for (const [key, spec] of specs) if (spec) runs.get(key)!.push(await once(spec, 15_000));
  }
  const out = { node: { path: node, version: versionOf(node) } } as StartupTargets;
  for (const [key, spec, reason] of specs) out[key] = spec ? summarizeRuns(spec, runs.get(key)!) : skipped('@hubspot/mcp-server', 'hubspot-generate-feedback-link', reason);
  const [c, b] = [out.crm_mcp.tools_list_median_ms, out.bare_sdk_mcp_server.tools_list_median_ms];
  out.tools_list_ratio = c !== null && b !== null ? round(c / b, 2) : null;
  const [cc, bc] = [out.crm_mcp.cpu_ms_at_list, out.bare_sdk_mcp_server.cpu_ms_at_list];
  out.cpu_at_list_ratio = cc !== null && bc !== null ? round(cc / bc, 2) : null;
  return out;
}

/** The bench table's stdio startup rows. */
export function startupRows(s: StartupResult): Row[] {
  const info = (figure: string, value: string): Row => ({ figure, value, goal: '(reported)', status: 'info' });
  const line = (t: StartupTarget) =>
    t.tools_list_median_ms === null
      ? `failed: ${t.error ?? '?'}`
      : `initialize ${ms(t.initialize_median_ms)}, tools/list ${ms(t.tools_list_median_ms)} (${t.tools} tools), first ${t.tool_call} ${ms(t.first_tool_result_median_ms)}, CPU until tools/list ${ms(t.cpu_ms_at_list)}, peak RSS ${t.peak_rss_mb_after_list ?? '—'} MB; median of ${t.runs}`;
  const rows: Row[] = [
    {
      figure: `stdio startup (node ${s.node.version}): crm-mcp tools/list vs bare v2 server`,
      value: s.tools_list_ratio === null ? 'not measured' : `${s.tools_list_ratio}× (${ms(s.crm_mcp.tools_list_median_ms)} vs ${ms(s.bare_sdk_mcp_server.tools_list_median_ms)})`,
      goal: `≤ ${GOAL_RATIO}× the bare v2 server`,
      status: goalStatus(s.tools_list_ratio === null ? false : s.tools_list_ratio <= GOAL_RATIO),
    },
    info('  same, CPU time used until tools/list', s.cpu_at_list_ratio === null ? 'not measured' : `${s.cpu_at_list_ratio}× (${ms(s.crm_mcp.cpu_ms_at_list)} vs ${ms(s.bare_sdk_mcp_server.cpu_ms_at_list)})`),
    info('  crm-mcp stdio', line(s.crm_mcp)),
    info('  bare v2 McpServer, the crm-mcp tool schemas', line(s.bare_sdk_mcp_server)),
    info(`  ${s.hubspot_mcp_server.name}`, line(s.hubspot_mcp_server)),
    info('  node answering every line (floor)', line(s.node_floor)),
  ];
  const o = s.other_node;
  if (o) rows.push(info(`  same on node ${o.node.version} (the bench's node)`, `tools/list: crm-mcp ${ms(o.crm_mcp.tools_list_median_ms)}, bare v2 ${ms(o.bare_sdk_mcp_server.tools_list_median_ms)} (${o.tools_list_ratio ?? '—'}×), @hubspot ${ms(o.hubspot_mcp_server.tools_list_median_ms)}, floor ${ms(o.node_floor.tools_list_median_ms)}; median of ${o.crm_mcp.runs}`));
  return rows;
}
