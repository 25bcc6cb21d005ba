/**
 * Issue 13's attack, replayed against `crm-mcp serve` as a process (node dist/cli/main.js): a
 * HubSpot contact named "a"×33 + "!" and accounts whose stored overrides are the hostile
 * expressions that once took 51 s, 400 MB and the whole server. Each hostile call fails alone
 * with mapping_bound (the regex one cannot hurt at all: RE2 answers with the right value), every
 * other tenant's call succeeds, /healthz answers throughout, and the server stays up. Latency
 * figures are printed for the report, not asserted.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { Client } from '@modelcontextprotocol/client';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { CallToolResult } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccessTokenStore } from '../../src/access-tokens/store.js';
import { loadConfig } from '../../src/app/config.js';
import { openStore } from '../../src/app/open-store.js';
import { cryptoRandom, systemClock } from '../../src/core/deps.js';
import { cliArgs, ROOT } from '../helpers/dist.js';
import { ACCOUNT_IDS, startSandboxCrms, type SandboxCrms } from '../mcp/helpers/sandbox-crms.js';

const HOSTILE = {
  regex: "$replace(properties.firstname, /^([A-Za-z]+ ?)*$/, 'ok')",
  pad: '$pad(properties.firstname, 200000000)',
  lengthPad: '$length($pad(properties.firstname, 200000000))',
  dataDependent: '$length(properties.firstname) > 30 ? $pad(properties.firstname, 200000000) : properties.firstname',
} as const;
type Hostile = keyof typeof HOSTILE;

let crms: SandboxCrms;
let server: ChildProcess;
let base: string;
let stderr = '';
let attackerId: string;
const tokens = new Map<string, string>();

beforeAll(async () => {
  crms = await startSandboxCrms({ hubspot: { seed: { contacts: 20, companies: 2, deals: 2, notes: 2 } } });
  attackerId = crms.sb.hubspot.store.insert('contacts', { firstname: `${'a'.repeat(33)}!`, lastname: 'Mallory', email: 'mallory@example.com' }, new Date().toISOString()).id;
  const { env, accounts } = await crms.seedStore();
  const store = await openStore(loadConfig({ env }), { notice: () => {} });
  try {
    const hub = accounts.find((a) => a.id === ACCOUNT_IDS.hubspot)!;
    for (const [name, expr] of Object.entries(HOSTILE)) {
      // Stored as an old import would have left them: no check ran on the way in.
      await store.accounts.put({ ...hub, id: `acct-${name}`, tenant_id: `tenant-${name}`, unified_model_override: { contacts: { custom_fields: { x: { expr } } } } });
    }
    const issuer = createAccessTokenStore({ kv: store.kv, clock: systemClock, random: cryptoRandom });
    for (const a of [...accounts, ...Object.keys(HOSTILE).map((n) => ({ id: `acct-${n}`, tenant_id: `tenant-${n}` }))]) {
      tokens.set(a.id, (await issuer.create({ tenantId: a.tenant_id, accountId: a.id })).token);
    }
  } finally {
    await store.close();
  }
  server = spawn(process.execPath, cliArgs('serve', '--port', '0'), { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  server.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  base = await new Promise<string>((resolve, reject) => {
    let out = '';
    server.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /"listening":"([^"]+)"/.exec(out);
      if (m) resolve(new URL(m[1]!).origin);
    });
    server.on('exit', (code) => reject(new Error(`serve exited ${code}: ${stderr}`)));
  });
}, 60_000);

afterAll(async () => {
  server?.kill('SIGTERM');
  await crms?.close();
});

async function clientFor(accountId: string): Promise<Client> {
  const client = new Client({ name: 'hostile-test', version: '1' });
  await client.connect(new StreamableHTTPClientTransport(new URL('/mcp', base), { requestInit: { headers: { authorization: `Bearer ${tokens.get(accountId)}` } } }));
  return client;
}

const structured = (r: unknown) => (r as CallToolResult).structuredContent as { error?: { code: string; message: string }; contact?: { custom_fields?: Record<string, unknown> } };
const p = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * q))] ?? NaN;

describe('hostile overrides against a running server', () => {
  it('each fails alone (or, the regex, cannot hurt); other tenants and /healthz stay up during the attack', async () => {
    const hostile = await Promise.all((Object.keys(HOSTILE) as Hostile[]).map(async (n) => [n, await clientFor(`acct-${n}`)] as const));
    const others = await Promise.all([ACCOUNT_IDS.hubspot, ACCOUNT_IDS.salesforce].map(clientFor));
    // Warm-up (first-request module loading, the isolation workers' start) is not the attack.
    const plain = crms.sb.hubspot.store.sorted('contacts')[0]!.id;
    await Promise.all([...hostile.map(([, c]) => c), ...others].map((c) => c.callTool({ name: 'list_contacts', arguments: { limit: 1 } })));
    await Promise.all(hostile.map(([, c]) => c.callTool({ name: 'get_contact', arguments: { id: plain } })));

    let attacking = true;
    const health: number[] = [];
    const healthStatuses: number[] = [];
    const probe = (async () => {
      while (attacking) {
        const t = performance.now();
        const r = await fetch(new URL('/healthz', base));
        await r.text();
        health.push(performance.now() - t);
        healthStatuses.push(r.status);
        await new Promise((res) => setTimeout(res, 5));
      }
    })();
    const otherLatency: number[] = [];
    const otherResults: boolean[] = [];
    const tenants = (async () => {
      for (let round = 0; round < 15; round++) {
        await Promise.all(
          others.map(async (c, i) => {
            const t = performance.now();
            const r = (await c.callTool({ name: 'list_contacts', arguments: { limit: i === 0 ? 10 : 5 } })) as CallToolResult;
            otherLatency.push(performance.now() - t);
            otherResults.push(!r.isError);
          }),
        );
      }
    })();
    const attacks: Array<readonly [Hostile, CallToolResult]> = [];
    for (let round = 0; round < 5; round++) {
      attacks.push(...(await Promise.all(hostile.map(async ([name, c]) => [name, (await c.callTool({ name: 'get_contact', arguments: { id: attackerId } })) as CallToolResult] as const))));
    }
    await tenants;
    attacking = false;
    await probe;

    for (const [name, r] of attacks) {
      if (name === 'regex') {
        expect(r.isError, name).toBeFalsy();
        expect(structured(r).contact?.custom_fields).toEqual({ x: `${'a'.repeat(33)}!` });
      } else {
        expect(r.isError, name).toBe(true);
        expect(structured(r).error, name).toMatchObject({ code: 'mapping_bound', message: expect.stringMatching(/custom_fields\.x\.expr: expression exceeded its evaluation bound/) });
      }
    }
    expect(otherResults).toHaveLength(30);
    expect(otherResults.every(Boolean)).toBe(true);
    expect(health.length).toBeGreaterThan(3);
    expect(healthStatuses.every((s) => s === 200)).toBe(true);
    expect(attacks).toHaveLength(20);
    // The same hostile accounts on an ordinary contact: the data-dependent one works, the others are still bounded.
    const dd = (await hostile.find(([n]) => n === 'dataDependent')![1].callTool({ name: 'get_contact', arguments: { id: plain } })) as CallToolResult;
    expect(dd.isError).toBeFalsy();
    expect(server.exitCode).toBeNull();
    console.log(
      `hostile overrides: /healthz ${health.length} probes during the attack, p50 ${p(health, 0.5).toFixed(1)} ms, p99 ${p(health, 0.99).toFixed(1)} ms, max ${Math.max(...health).toFixed(1)} ms; ` +
        `other tenants' list_contacts p50 ${p(otherLatency, 0.5).toFixed(1)} ms, p99 ${p(otherLatency, 0.99).toFixed(1)} ms (${otherLatency.length} calls)`,
    );
    await Promise.all([...hostile.map(([, c]) => c.close()), ...others.map((c) => c.close())]);
  }, 60_000);
});
