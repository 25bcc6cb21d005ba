/**
 * Adversarial: list cursors. Regression for the report's forged Salesforce cursors — a hand-built
 * `{"v":1,…,"s":"/services/data/v62.0/query?q=SELECT…FROM Opportunity"}` made list_contacts run
 * arbitrary SOQL, and `s` = `…/query/../sobjects/Opportunity/describe` escaped the list endpoint.
 * Cursors are now sealed (src/engine/cursor.ts): anything the server did not issue for this very
 * listing is a `validation` error telling the caller to restart, and costs no provider request —
 * counted at the loopback Salesforce fake. The real engine and token manager run against it.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createKeyring, generateKey } from '../../src/crypto/keyring.js';
import { continuationProblem } from '../../src/engine/cursor.js';
import { startSandboxRig, type SandboxRig } from '../engine/helpers/sandbox-rig.js';

let rig: SandboxRig;
const KEY1 = generateKey('cur1');
const ring = createKeyring(KEY1);
let engine: ReturnType<SandboxRig['engineWith']>;

beforeAll(async () => {
  rig = await startSandboxRig({ sandboxes: { salesforce: { minQueryBatchSize: 1 } } });
  await rig.addAccount('salesforce');
  await rig.addAccount('salesforce', { id: 'acct-sf-other', tenant_id: 't2' }, { ownGrant: true });
  engine = rig.engineWith({ cursorKeys: ring });
});
afterAll(async () => {
  await rig?.close();
});
beforeEach(() => {
  rig.sb.salesforce.log.reset();
});

const legacy = (s: string) => Buffer.from(JSON.stringify({ v: 1, i: 'salesforce', r: 'contacts', m: 'list', s })).toString('base64url');
const sfRequests = () => rig.sb.salesforce.log.entries.length;

async function firstPage(limit = 5) {
  const r = await rig.run('acct-salesforce', { resource: 'contacts', method: 'list', limit }, engine);
  if (!r.ok || !r.next_cursor) throw new Error(`no first page: ${JSON.stringify(r)}`);
  return r.next_cursor;
}

async function refused(cursor: string, accountId = 'acct-salesforce', resource: 'contacts' | 'companies' = 'contacts') {
  const before = sfRequests();
  const r = await rig.run(accountId, { resource, method: 'list', limit: 5, cursor }, engine);
  expect(r, cursor.slice(0, 60)).toMatchObject({ ok: false, error: { code: 'validation', message: expect.stringContaining('restart the listing') }, provider_requests: 0 });
  expect(sfRequests(), 'requests at the Salesforce fake').toBe(before);
  return r;
}

describe('forged cursors (the report)', () => {
  it('the SOQL-override and the dot-segment cursors are refused with 0 provider requests; no Opportunity is read', async () => {
    const soql = legacy('/services/data/v62.0/query?q=SELECT+Id,Name,Amount,StageName+FROM+Opportunity');
    const dots = legacy('/services/data/v62.0/query/../sobjects/Opportunity/describe');
    for (const c of [soql, dots]) {
      const r = await refused(c);
      expect(JSON.stringify(r)).not.toMatch(/Opportunity|StageName|Amount/);
    }
    expect(rig.sb.salesforce.log.entries).toEqual([]);
  });

  it('a cursor in the sealed format with a made-up, reused or truncated MAC is refused', async () => {
    const real = await firstPage();
    const [, kid, payload, mac] = real.split('.');
    const state = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as Record<string, unknown>;
    const forgedPayload = Buffer.from(JSON.stringify({ ...state, s: '/services/data/v62.0/query?q=SELECT+Id+FROM+User' })).toString('base64url');
    for (const c of [`c1.${kid}.${forgedPayload}.${mac}`, `c1.${kid}.${forgedPayload}.${'A'.repeat(43)}`, `c1.${kid}.${payload}.${mac!.slice(0, 20)}`, `c1.${kid}.${payload}`, `c2.${kid}.${payload}.${mac}`, real.replace(/.$/, (ch) => (ch === 'A' ? 'B' : 'A'))]) {
      await refused(c);
    }
  });

  it('regression: another spelling of the same MAC bytes (a last character differing only in unused bits) is refused', async () => {
    const real = await firstPage();
    const last = real.at(-1)!;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    // 32 MAC bytes take 43 characters: the last one carries 4 bits, its 2 low bits are unused.
    const sameBits = alphabet[(alphabet.indexOf(last) & ~3) | ((alphabet.indexOf(last) + 1) & 3)]!;
    const respelled = real.slice(0, -1) + sameBits;
    expect(Buffer.from(respelled.split('.')[3]!, 'base64url')).toEqual(Buffer.from(real.split('.')[3]!, 'base64url'));
    await refused(respelled);
  });

  it('garbage of every shape is refused: not base64, huge, empty parts, JSON injection', async () => {
    for (const c of ['not-a-cursor', '....', 'c1...', `c1.${'k'.repeat(70)}.x.y`, 'c1.cur1.' + 'A'.repeat(9000) + '.x', legacy('abc'), legacy('//evil.example/x'), '{"v":1}']) await refused(c);
  });
});

describe('sealed cursors are bound to their listing', () => {
  it('pages through with its own cursors; the continuation stays on the list endpoint', async () => {
    let cursor: string | undefined = await firstPage(2);
    let pages = 1;
    while (cursor && pages < 4) {
      const r = await rig.run('acct-salesforce', { resource: 'contacts', method: 'list', limit: 2, cursor }, engine);
      expect(r.ok, JSON.stringify(r)).toBe(true);
      cursor = r.ok ? (r.next_cursor ?? undefined) : undefined;
      pages++;
    }
    expect(pages).toBe(4);
    expect(rig.sb.salesforce.log.entries.every((e) => /\/services\/data\/v\d+\.0\/query(\/|$)/.test(e.path))).toBe(true);
  });

  it("another account's cursor, another resource's, another key's, a stale definition's and an expired one are refused", async () => {
    const mine = await firstPage();
    await refused(mine, 'acct-sf-other');
    await refused(mine, 'acct-salesforce', 'companies');
    const otherKey = rig.engineWith({ cursorKeys: createKeyring(generateKey('cur9')) });
    const foreign = await rig.run('acct-salesforce', { resource: 'contacts', method: 'list', limit: 5 }, otherKey);
    await refused((foreign as { next_cursor: string }).next_cursor);

    // The contacts listing as an environment override changes it: cursors issued before are stale.
    const changed = rig.engineWith({ cursorKeys: ring, envOverrides: { test: { salesforce: { resources: { contacts: { list: { limit: { default: 7, max: 50 } } } } } } } });
    const before = sfRequests();
    const stale = await rig.run('acct-salesforce', { resource: 'contacts', method: 'list', limit: 5, cursor: mine }, changed);
    expect(stale).toMatchObject({ ok: false, error: { code: 'validation', message: expect.stringContaining('changed') }, provider_requests: 0 });
    expect(sfRequests()).toBe(before);

    const shortLived = rig.engineWith({ cursorKeys: ring, cursorTtlMs: 60_000 });
    const expiring = await rig.run('acct-salesforce', { resource: 'contacts', method: 'list', limit: 5 }, shortLived);
    await rig.clock.advance(60_001);
    const expired = await rig.run('acct-salesforce', { resource: 'contacts', method: 'list', limit: 5, cursor: (expiring as { next_cursor: string }).next_cursor }, shortLived);
    expect(expired).toMatchObject({ ok: false, error: { code: 'validation', message: expect.stringContaining('expired') }, provider_requests: 0 });
  });

  it('a replica with the same keys continues the listing; after a key rotation old cursors still open while the old key is kept', async () => {
    const cursor = await firstPage();
    const replica = rig.engineWith({ cursorKeys: createKeyring(KEY1) });
    const r = await rig.run('acct-salesforce', { resource: 'contacts', method: 'list', limit: 5, cursor }, replica);
    expect(r.ok, JSON.stringify(r)).toBe(true);
    const rotated = rig.engineWith({ cursorKeys: createKeyring(generateKey('cur2'), [KEY1]) });
    expect((await rig.run('acct-salesforce', { resource: 'contacts', method: 'list', limit: 5, cursor }, rotated)).ok).toBe(true);
    const dropped = rig.engineWith({ cursorKeys: createKeyring(generateKey('cur3')) });
    const gone = await rig.run('acct-salesforce', { resource: 'contacts', method: 'list', limit: 5, cursor }, dropped);
    expect(gone).toMatchObject({ ok: false, error: { code: 'validation', message: expect.stringContaining('restart the listing') }, provider_requests: 0 });
  });
});

describe('provider continuation paths', () => {
  it('must stay under the list path: no query, fragment, dot-segment, encoded dot or slash, backslash or other host', () => {
    const list = '/services/data/v62.0/query';
    expect(continuationProblem('/services/data/v62.0/query/01gXX-2000', list)).toBeNull();
    for (const bad of [
      '/services/data/v62.0/query?q=SELECT+Id+FROM+User',
      '/services/data/v62.0/query/01g#frag',
      '/services/data/v62.0/query/../sobjects/User',
      '/services/data/v62.0/query/./x',
      '/services/data/v62.0/query/%2e%2e/sobjects',
      '/services/data/v62.0/query/%2Fsobjects',
      '/services/data/v62.0/query\\..\\x',
      '/services/data/v62.0/queryX',
      '/services/data/v62.0/sobjects/User',
      '//evil.example/services/data/v62.0/query/x',
      'https://evil.example/services/data/v62.0/query/x',
      '/services/data/v62.0/query/a b',
    ]) {
      expect(continuationProblem(bad, list), bad).not.toBeNull();
    }
  });
});
