/**
 * `accounts import --verify` at 1,000 records through the production composition (composeCore:
 * token manager, engine, audit trail, webhook sender) against the sandbox HubSpot and
 * Salesforce fakes. Grants live at the fakes: valid ones, ones whose access token expired (the
 * token manager must refresh them at the provider), revoked ones (needs_reauth with the
 * provider's reason), plus malformed lines.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { accounts } from '../cli/helpers/cli.js';
import { captureIo } from '../cli/helpers/operator-runtime.js';
import { ENVIRONMENT, openStack, startProviders, type Providers, type Stack } from '../connect/helpers/sandbox-stack.js';
import { manualClock } from '../helpers/manual-clock.js';

const clock = manualClock(Date.now());
let p: Providers;
let stack: Stack;
const hooks: string[] = [];
let closeHook: () => Promise<void>;

beforeAll(async () => {
  const hook = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      hooks.push((JSON.parse(body) as { type: string }).type);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  closeHook = () => new Promise<void>((r) => hook.close(() => r()));
  p = await startProviders(clock);
  stack = await openStack(p, clock, { webhookEndpoints: [{ url: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/`, secret: 'whsec_' + Buffer.from('h'.repeat(32)).toString('base64') }] });
});
afterAll(async () => {
  await stack.close();
  await p.close();
  await closeHook();
});

type Kind = 'valid' | 'expired' | 'revoked' | 'malformed';

function kindOf(i: number): Kind {
  if (i % 50 === 7) return 'malformed';
  if (i % 10 === 3) return 'revoked';
  if (i % 10 === 1 || i % 10 === 5) return 'expired';
  return 'valid';
}

/** Mints each grant at its fake and writes the record another platform would have exported. */
function buildFile(): { text: string; malformed: number[]; tenants: Record<Exclude<Kind, 'malformed'>, Set<string>>; secrets: string[] } {
  const lines: string[] = [];
  const malformed: number[] = [];
  const tenants = { valid: new Set<string>(), expired: new Set<string>(), revoked: new Set<string>() };
  const secrets: string[] = [];
  for (let i = 0; i < 1000; i++) {
    const kind = kindOf(i);
    const sf = Math.floor(i / 10) % 3 === 0;
    if (kind === 'malformed') {
      malformed.push(i + 1);
      const broken = [`{"tenant_id": "t-${i}", "integration": "hubspot"`, JSON.stringify({ integration: 'hubspot', tenant_id: `t-${i}`, authentication_method: 'oauth2', context: {} }), JSON.stringify({ integration: 'pipedream', tenant_id: `t-${i}`, authentication_method: 'oauth2', context: { oauth: { token: { access_token: 'x' } } } })];
      lines.push(broken[i % 3]!);
      continue;
    }
    const fake = sf ? p.salesforce : p.hubspot;
    const g = fake.oauth.seedGrant({ expired: kind !== 'valid' });
    if (kind === 'revoked') fake.oauth.revokeGrant(g.refreshToken!);
    tenants[kind].add(`t-${i}`);
    secrets.push(g.accessToken, g.refreshToken!);
    const token = { access_token: g.accessToken, refresh_token: g.refreshToken, expires_at: new Date(g.expiresAt).toISOString(), token_type: sf ? 'Bearer' : 'bearer' };
    const record = sf
      ? { integration_id: 'salesforce', tenant_id: `t-${i}`, environment: ENVIRONMENT, authentication_method: 'oauth2', context: { oauth: { token }, instance_url: p.salesforce.url } }
      : { integration: 'hubspot', tenant_id: `t-${i}`, environment: ENVIRONMENT, authentication_method: 'oauth2', context: { oauth: { token } } };
    lines.push(JSON.stringify(record));
  }
  return { text: lines.join('\n') + '\n', malformed, tenants, secrets };
}

async function snapshot(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for await (const [k, v] of stack.rt.kv.scan('')) if (k.startsWith('acct:') || k.startsWith('import-fp:')) out[k] = v;
  return out;
}

describe('accounts import --verify at 1,000 records against the sandbox fakes', () => {
  it('valid and refreshed → active, revoked → needs_reauth with reason, malformed by line; a second run changes nothing', async () => {
    const { text, malformed, tenants, secrets } = buildFile();
    const file = join(await mkdtemp(join(tmpdir(), 'crm-import-')), 'accounts.ndjson');
    await writeFile(file, text);
    const revoked = tenants.revoked.size;
    const good = tenants.valid.size + tenants.expired.size;
    expect([good, revoked, malformed.length]).toEqual([880, 100, 20]);

    const io = captureIo({ stderrIsTty: true } as never);
    expect(await accounts(['import', file, '--verify', '--concurrency', '4', '--json'], io, async () => stack.rt)).toBe(1);
    const res = JSON.parse(io.stdoutText());
    expect(res.import).toMatchObject({ records: 1000, created: 980, updated: 0, unchanged: 0 });
    expect(res.import.invalid.map((x: { line: number }) => x.line)).toEqual(malformed);
    expect(res.import.invalid.find((x: { line: number }) => x.line === 58).error).toMatch(/not valid JSON/);
    expect(res.import.invalid.find((x: { line: number }) => x.line === 8).error).toMatch(/context\.oauth\.token/);
    expect(res.import.invalid.find((x: { line: number }) => x.line === 108).error).toMatch(/unknown integration 'pipedream'/);
    expect(res.verify, JSON.stringify(res.verify.accounts.filter((r: { result: string }) => r.result === 'failed').slice(0, 3))).toMatchObject({ active: good, needs_reauth: revoked, failed: 0 });
    for (const r of res.verify.accounts.filter((x: { result: string }) => x.result === 'needs_reauth')) {
      expect(r.reason).toMatch(/invalid_grant/);
    }
    const err = io.stderrText();
    expect(err).toContain('\rverifying [');
    expect(err.trimEnd().split('\n').at(-1)).toBe('crm-mcp accounts import: 20 invalid record(s) (listed by line above)');
    expect(err).toMatch(/^line 58: not valid JSON/m);

    expect(await stack.rt.accounts.countByStatus()).toMatchObject({ active: good, needs_reauth: revoked });
    for (const a of await stack.rt.accounts.listByStatus('needs_reauth')) {
      expect(tenants.revoked.has(a.tenant_id)).toBe(true);
      expect(a.last_error?.message).toMatch(/invalid_grant/);
    }
    // Expired access tokens were refreshed at the provider, and the new ones work there.
    for (const a of await stack.rt.accounts.listByStatus('active')) {
      const fake = a.integration === 'salesforce' ? p.salesforce : p.hubspot;
      expect(fake.oauth.isAccessTokenValid(a.context.oauth!.token.access_token)).toBe(true);
    }
    const refreshes = p.hubspot.oauth.stats.byGrantType.refresh_token! + p.salesforce.oauth.stats.byGrantType.refresh_token!;
    expect(refreshes).toBe(tenants.expired.size + revoked);
    await vi.waitFor(() => expect(hooks.filter((h) => h === 'integrated_account:authentication_error')).toHaveLength(revoked));
    const trail = await stack.rt.audit.query({ limit: 100_000 });
    expect(trail.filter((e) => e.operation === 'refresh_success')).toHaveLength(tenants.expired.size);
    expect(trail.filter((e) => e.operation === 'import_account')).toHaveLength(980);
    expect(io.stdoutText() + err + JSON.stringify(trail) + stack.logger.lines.join('\n')).not.toMatch(new RegExp(secrets.slice(0, 200).map((s) => s.replace(/[.*+?^${}()|[\]\\!]/g, '\\$&')).join('|')));

    const before = await snapshot();
    const tokenRequests = p.hubspot.oauth.stats.tokenRequests + p.salesforce.oauth.stats.tokenRequests;
    const io2 = captureIo();
    expect(await accounts(['import', file, '--verify', '--json'], io2, async () => stack.rt)).toBe(1);
    const res2 = JSON.parse(io2.stdoutText());
    expect(res2.import).toMatchObject({ created: 0, updated: 0, unchanged: 980 });
    expect(res2.verify).toMatchObject({ active: good, needs_reauth: revoked, failed: 0 });
    expect(io2.stderrText()).not.toContain('\r');
    expect(await snapshot()).toEqual(before);
    expect(p.hubspot.oauth.stats.tokenRequests + p.salesforce.oauth.stats.tokenRequests).toBe(tokenRequests);
    // ~2,500 real HTTP exchanges with the fakes; the limit is for a loaded CI machine, not a goal.
  }, 240_000);
});
