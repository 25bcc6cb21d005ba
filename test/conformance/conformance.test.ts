/**
 * The official MCP conformance suite (pinned 0.2.0-alpha.12) against `crm-mcp serve --account <id>
 * --no-auth` on loopback: the built dist/cli/main.js as a process over its own encrypted SQLite
 * store holding a HubSpot account, stateless and --stateful, at both protocol revisions: exactly the
 * scenarios 2026-07-28 requires (`--requirements 2026-07-28`) and the 2025-11-25 suite
 * (`--spec-version 2025-11-25`). The suite runs on the Node 22 binary
 * that .ci/fetch-node22 puts in .tools/node22 (.ci/run always fetches it; a developer's `npm test`
 * without it skips this file with "[skip: node 22 missing]", a reason CI never allows). It calls
 * only its own fixture tools, so no provider is reached. Scenarios that need the suite's own
 * fixtures are in the revision's baseline (baseline-<revision>.yml, or baseline-<revision>.<mode>.yml
 * where the modes differ; each entry with its reason); anything else failing, or a baseline entry that now passes, fails this test.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIST_CLI } from '../helpers/dist.js';
import { ACCOUNT_IDS, startSandboxCrms, type SandboxCrms } from '../mcp/helpers/sandbox-crms.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const NODE22 = `${ROOT}.tools/node22/bin/node`;
const HAVE_NODE22 = existsSync(NODE22);
const SUITE = `${ROOT}node_modules/@modelcontextprotocol/conformance/dist/index.js`;
const REVISIONS = [
  {
    revision: '2026-07-28',
    args: ['--requirements', '2026-07-28'],
    mustPass: ['tools-list', 'caching', 'http-header-validation', 'dns-rebinding-protection', 'resources-list', 'prompts-list', 'sep-2164-resource-not-found'],
  },
  { revision: '2025-11-25', args: ['--spec-version', '2025-11-25'], mustPass: ['server-initialize', 'ping', 'tools-list', 'logging-set-level', 'dns-rebinding-protection', 'resources-list', 'prompts-list'] },
];
const MODES = REVISIONS.flatMap((r) =>
  [
    { mode: 'stateless', flags: [] as string[] },
    { mode: 'stateful', flags: ['--stateful'] },
  ].map((m) => {
    // A mode-specific baseline when the modes differ (2025-11-25: SSE streams need a session).
    const own = `${ROOT}test/conformance/baseline-${r.revision}.${m.mode}.yml`;
    return { ...m, ...r, baseline: existsSync(own) ? own : `${ROOT}test/conformance/baseline-${r.revision}.yml` };
  }),
);

let crms: SandboxCrms;
const servers: ChildProcess[] = [];

beforeAll(async () => {
  if (HAVE_NODE22) crms = await startSandboxCrms();
});
afterAll(async () => {
  for (const s of servers) s.kill('SIGTERM');
  await crms?.close();
});

async function startServe(flags: string[]): Promise<string> {
  const args = [DIST_CLI, 'serve', '--account', ACCOUNT_IDS.hubspot, '--no-auth', '--port', '0', ...flags];
  // One store per server process.
  const { env } = await crms.seedStore();
  const server = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  servers.push(server);
  let out = '';
  let err = '';
  server.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  return new Promise<string>((resolve, reject) => {
    server.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /"listening":"([^"]+)"/.exec(out);
      if (m) resolve(m[1]!.replace('127.0.0.1', 'localhost'));
    });
    server.on('exit', (code) => reject(new Error(`serve exited ${code}: ${err}`)));
  });
}

function runSuite(url: string, args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const p = spawn(NODE22, [SUITE, 'server', '--url', url, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (c: Buffer) => (out += c.toString()));
    p.stderr.on('data', (c: Buffer) => (out += c.toString()));
    p.on('exit', (code) => resolve({ code, out }));
  });
}

describe.skipIf(!HAVE_NODE22)(`MCP conformance suite${HAVE_NODE22 ? '' : ' [skip: node 22 missing] (run .ci/fetch-node22)'}`, () => {
  it('has Node 22 and the suite installed', () => {
    expect(existsSync(SUITE)).toBe(true);
  });

  it.each(MODES)('$revision, $mode: passes every applicable scenario; the rest match its checked-in baseline exactly', async ({ flags, args, mustPass, baseline }) => {
    const url = await startServe(flags);
    const { code, out } = await runSuite(url, [...args, '--expected-failures', baseline]);
    for (const s of mustPass) expect(out, `${s} passes`).toMatch(new RegExp(`✓ ${s}: [1-9]\\d* passed, 0 failed`));
    expect(out, out.slice(-3000)).not.toMatch(/stale|unexpected/i);
    expect(code, out.slice(-3000)).toBe(0);
  }, 240_000);
});
