/**
 * Adding a CRM is a definition file, not TypeScript: test/fixtures/integrations/tinycrm.json
 * (api-key auth, offset and page-token pagination, its own error and rate-limit headers) runs end to end
 * against a tiny node:http fake through the unchanged engine.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../src/engine/engine.js';
import { loadRegistry } from '../../src/integrations/index.js';
import type { TokenProvider } from '../../src/tokens/types.js';
import { account, FIXED_NOW, silentLogger } from '../engine/helpers/accounts.js';
import { manualClock } from '../helpers/manual-clock.js';

const FIX = new URL('../fixtures/integrations/', import.meta.url).pathname;
const KEY = 'tiny-key-secret-123';

interface Person { id: number; name: { first: string; last: string }; email: string; updated: string }
const people: Person[] = Array.from({ length: 5 }, (_, i) => ({
  id: i + 1, name: { first: `F${i + 1}`, last: `L${i + 1}` }, email: `p${i + 1}@tiny.example`, updated: '2026-11-01T00:00:00Z',
}));
const orgs = Array.from({ length: 5 }, (_, i) => ({ id: 100 + i, org_name: `Org ${i}`, website: `org${i}.example` }));
const seen: Array<{ method: string; url: string }> = [];
let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '' });
    const u = new URL(req.url ?? '/', 'http://x');
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json', 'x-ratelimit-limit': '40', 'x-ratelimit-remaining': String(40 - seen.length), 'x-ratelimit-reset': '2' });
      res.end(JSON.stringify(body));
    };
    if (req.headers['x-api-token'] !== KEY) return send(401, { success: false, error: 'unauthorized' });
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      if (req.method === 'GET' && u.pathname === '/people') {
        const start = Number(u.searchParams.get('start') ?? 0);
        const limit = Number(u.searchParams.get('limit') ?? 100);
        const data = people.slice(start, start + limit);
        return send(200, { success: true, data, additional_data: { more_items_in_collection: start + limit < people.length } });
      }
      if (req.method === 'GET' && u.pathname === '/orgs') {
        // Zoho-style page tokens: opaque, only valid as handed out.
        const tok = u.searchParams.get('page_token');
        const start = tok === null ? 0 : Number(tok.replace(/^pt-/, ''));
        if (tok !== null && (!tok.startsWith('pt-') || !Number.isInteger(start))) return send(400, { success: false, error: 'bad page token' });
        const per = Number(u.searchParams.get('per_page') ?? 200);
        const data = orgs.slice(start, start + per);
        const more = start + per < orgs.length;
        return send(200, { data, info: { per_page: per, count: data.length, more_records: more, next_page_token: more ? `pt-${start + per}` : null } });
      }
      const m = /^\/people\/(\d+)$/.exec(u.pathname);
      if (req.method === 'GET' && m) {
        const p = people.find((x) => x.id === Number(m[1]));
        return p ? send(200, { success: true, data: p }) : send(404, { success: false, error: 'not found' });
      }
      if (req.method === 'POST' && u.pathname === '/people') {
        const b = JSON.parse(raw) as { name: Person['name']; email?: string };
        if (!b.name.last) return send(400, { success: false, error: 'last name required', field: 'name.last' });
        const p = { id: people.length + 1, name: b.name, email: b.email ?? '', updated: '2026-11-22T12:00:00Z' };
        people.push(p);
        return send(201, { success: true, data: p });
      }
      send(404, { success: false, error: 'no route' });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('a third CRM from a definition file only', () => {
  const dispatcher = new Agent();
  afterAll(() => dispatcher.close());
  const noTokens: TokenProvider = { getAccessToken: () => Promise.reject(new Error('api_key accounts never ask the token manager')) };

  it('lists all pages (offset for contacts, page tokens for companies), gets, creates and reports its rate limits', async () => {
    const registry = loadRegistry({ extraDirs: [FIX] });
    expect(registry.has('tinycrm')).toBe(true);
    const acct = account('tinycrm', { authentication_method: 'api_key', context: { api_key: KEY } });
    const engine = createEngine({
      registry,
      tokens: noTokens,
      deps: { clock: manualClock(FIXED_NOW), logger: silentLogger(), dispatcher },
      envOverrides: { test: { tinycrm: { base_url: base } } },
      insecureHosts: [new URL(base).host],
    });

    const listAll = async (resource: 'contacts' | 'companies') => {
      const ids: string[] = [];
      const limits: unknown[] = [];
      let cursor: string | undefined;
      do {
        const r = await engine.execute({ account: acct, resource, method: 'list', ...(cursor ? { cursor } : {}) });
        if (!r.ok) throw new Error(r.error.message);
        ids.push(...(r.data as Array<{ id: string }>).map((c) => c.id));
        limits.push(r.rate_limit);
        cursor = r.next_cursor ?? undefined;
      } while (cursor);
      return { ids, limits };
    };
    const contacts = await listAll('contacts');
    expect(contacts.ids).toEqual(['1', '2', '3', '4', '5']);
    expect(contacts.limits).toHaveLength(3);
    for (const rl of contacts.limits) expect(rl).toMatchObject({ limit: 40, reset_seconds: 2, policy: 'per_2_seconds' });
    const companies = await listAll('companies');
    expect(companies.ids).toEqual(['100', '101', '102', '103', '104']);
    expect(companies.limits).toHaveLength(3);
    expect(seen.filter((x) => x.url.startsWith('/orgs')).map((x) => new URL(x.url, 'http://x').searchParams.get('page_token'))).toEqual([null, 'pt-2', 'pt-4']);

    const got = await engine.execute({ account: acct, resource: 'contacts', method: 'get', id: '2' });
    expect(got).toMatchObject({ ok: true, data: { id: '2', first_name: 'F2', last_name: 'L2', emails: [{ value: 'p2@tiny.example', primary: true }] } });

    const created = await engine.execute({ account: acct, resource: 'contacts', method: 'create', input: { first_name: 'New', last_name: 'Person', emails: [{ value: 'n@tiny.example' }] } });
    expect(created).toMatchObject({ ok: true, data: { id: '6', first_name: 'New', last_name: 'Person' } });

    const invalid = await engine.execute({ account: acct, resource: 'contacts', method: 'create', input: { first_name: 'X' } });
    expect(invalid).toMatchObject({ ok: false, error: { code: 'validation', message: 'last name required', fields: ['name.last'] } });

    const wrongKey = account('tinycrm', { id: 'tiny-2', authentication_method: 'api_key', context: { api_key: 'wrong' } });
    const denied = await engine.execute({ account: wrongKey, resource: 'contacts', method: 'get', id: '1' });
    expect(denied).toMatchObject({ ok: false, error: { code: 'needs_reauth' } });
    expect(JSON.stringify(denied)).not.toContain(KEY);
    expect(seen.every((s) => !s.url.includes(KEY))).toBe(true);
  });
});
