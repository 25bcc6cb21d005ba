/**
 * Older, kinder loopback HubSpot and Salesforce fakes, still used by test/mcp's tool tests. The
 * engine's end-to-end tests run against the faithful src/sandbox fakes instead (e2e.test.ts,
 * safety.test.ts); prefer those for anything new. Covers what the engine touches: token endpoints (HubSpot
 * expires_in 1800; Salesforce issued_at + instance_url, no expires_in), exact error bodies
 * (EXPIRED_AUTHENTICATION, INVALID_SESSION_ID, 429 RATE_LIMIT, 403 REQUEST_LIMIT_EXCEEDED),
 * rate-limit headers, paging.next.after / nextRecordsUrl+done, Salesforce 204 on PATCH.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

type Rec = Record<string, unknown>;
export interface MiniFake {
  url: string;
  host: string;
  /** Every request (method + path), token endpoint included. */
  seen: Array<{ method: string; path: string }>;
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  /** Issues a fresh access token without HTTP (the "connect" step). */
  issueAccessToken(): string;
  /** Every access token issued so far stops working (as if its session ended). */
  expireAccessTokens(): void;
  /** Next API request is throttled. */
  throttleNext(): void;
  data: Record<string, Rec[]>;
  close(): Promise<void>;
}

async function body(req: IncomingMessage): Promise<string> {
  let s = '';
  for await (const c of req) s += (c as Buffer).toString();
  return s;
}

function json(res: ServerResponse, status: number, b: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json;charset=UTF-8', ...headers });
  res.end(b === undefined ? '' : JSON.stringify(b));
}

async function start(kind: 'hubspot' | 'salesforce', handler: (f: MiniFake & { valid: Set<string>; throttle: boolean }, req: IncomingMessage, res: ServerResponse, u: URL, raw: string) => void): Promise<MiniFake> {
  let n = 0;
  const state = {
    url: '', host: '', seen: [] as MiniFake['seen'], clientId: `${kind}-client`, clientSecret: `${kind}-secret-xyz`,
    refreshToken: `${kind}-rt-secret-1`, valid: new Set<string>(), throttle: false, data: {} as Record<string, Rec[]>,
    issueAccessToken() {
      n += 1;
      const t = `${kind}-at-secret-${n}`;
      state.valid.add(t);
      return t;
    },
    expireAccessTokens() {
      state.valid.clear();
    },
    throttleNext() {
      state.throttle = true;
    },
    close: async () => {},
  };
  const server = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    state.seen.push({ method: req.method ?? '', path: u.pathname });
    void body(req).then((raw) => handler(state, req, res, u, raw));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  state.url = `http://127.0.0.1:${port}`;
  state.host = `127.0.0.1:${port}`;
  state.close = () => new Promise((r) => server.close(() => r()));
  return state;
}

function refreshOk(f: { clientId: string; clientSecret: string; refreshToken: string }, raw: string): boolean {
  const p = new URLSearchParams(raw);
  return p.get('grant_type') === 'refresh_token' && p.get('refresh_token') === f.refreshToken && p.get('client_id') === f.clientId && p.get('client_secret') === f.clientSecret;
}

export async function startMiniHubSpot(): Promise<MiniFake> {
  const ids = { n: 1000 };
  const fake = await start('hubspot', (f, req, res, u, raw) => {
    if (u.pathname === '/oauth/v3/token' && req.method === 'POST') {
      if (!refreshOk(f, raw)) return json(res, 400, { error: 'invalid_grant', error_description: 'refresh token is invalid, expired or revoked', status: 'BAD_REFRESH_TOKEN', message: 'refresh token is invalid, expired or revoked' });
      return json(res, 200, { token_type: 'bearer', refresh_token: f.refreshToken, access_token: f.issueAccessToken(), expires_in: 1800, token_use: 'access_token' });
    }
    const rl = { 'X-HubSpot-RateLimit-Max': '100', 'X-HubSpot-RateLimit-Remaining': '99', 'X-HubSpot-RateLimit-Interval-Milliseconds': '10000' };
    const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
    if (!f.valid.has(token)) {
      return json(res, 401, { status: 'error', message: 'The OAuth token used to make this call expired 0 second(s) ago.', correlationId: 'c-1', category: 'EXPIRED_AUTHENTICATION', context: { 'expire time': ['2026-11-22T12:00:00.000Z'] } });
    }
    if (f.throttle) {
      f.throttle = false;
      return json(res, 429, { status: 'error', message: 'You have reached your ten_secondly_rolling limit.', errorType: 'RATE_LIMIT', correlationId: 'c-2', policyName: 'TEN_SECONDLY_ROLLING', requestId: 'r-1' }, { ...rl, 'X-HubSpot-RateLimit-Remaining': '0' });
    }
    const m = /^\/crm\/v3\/objects\/(contacts|companies|deals|notes)(?:\/([^/]+))?$/.exec(u.pathname);
    if (!m) return json(res, 404, { status: 'error', message: 'not found', correlationId: 'c', category: 'OBJECT_NOT_FOUND' });
    const type = m[1] as string;
    const list = (f.data[type] ??= []);
    const now = '2026-11-22T12:00:00.000Z';
    if (req.method === 'GET' && !m[2]) {
      const limit = Number(u.searchParams.get('limit') ?? 10);
      const after = Number(u.searchParams.get('after') ?? 0);
      const results = list.slice(after, after + limit);
      const next = after + limit < list.length ? { paging: { next: { after: String(after + limit), link: `?after=${after + limit}` } } } : {};
      return json(res, 200, { results, ...next }, rl);
    }
    const rec = m[2] ? list.find((r) => r.id === m[2]) : undefined;
    if (req.method === 'GET' && m[2]) return rec ? json(res, 200, rec, rl) : json(res, 404, { status: 'error', message: 'Object not found.', correlationId: 'c', category: 'OBJECT_NOT_FOUND' });
    if (req.method === 'PATCH' && rec) {
      const b = JSON.parse(raw) as { properties: Rec };
      rec.properties = { ...(rec.properties as Rec), ...b.properties, [type === 'contacts' ? 'lastmodifieddate' : 'hs_lastmodifieddate']: now };
      rec.updatedAt = now;
      return json(res, 200, rec, rl);
    }
    if (req.method === 'POST' && !m[2]) {
      const b = JSON.parse(raw) as { properties: Rec; associations?: Array<{ to: { id: string }; types: Array<{ associationTypeId: number }> }> };
      if (type === 'notes' && !b.properties.hs_timestamp) return json(res, 400, { status: 'error', message: 'Error creating NOTE. Some required properties were not set.', correlationId: 'c', category: 'VALIDATION_ERROR' });
      ids.n += 1;
      const byType: Record<number, string> = { 202: 'contacts', 190: 'companies', 214: 'deals' };
      const associations: Record<string, { results: Rec[] }> = {};
      for (const a of b.associations ?? []) {
        const t = byType[a.types[0]?.associationTypeId ?? 0];
        if (t) (associations[t] ??= { results: [] }).results.push({ id: a.to.id, type: `note_to_${t.slice(0, -1)}` });
      }
      const created = { id: String(ids.n), properties: { ...b.properties, createdate: now, hs_lastmodifieddate: now }, createdAt: now, updatedAt: now, archived: false };
      list.push({ ...created, associations });
      return json(res, 201, created, rl);
    }
    return json(res, 404, { status: 'error', message: 'Object not found.', correlationId: 'c', category: 'OBJECT_NOT_FOUND' });
  });
  fake.data.contacts = Array.from({ length: 7 }, (_, i) => ({
    id: String(100 + i), properties: { firstname: `First${i}`, lastname: `Last${i}`, email: `c${i}@example.com`, createdate: '2024-01-01T00:00:00.000Z', lastmodifieddate: '2024-02-01T00:00:00.000Z' },
    createdAt: '2024-01-01T00:00:00.000Z', updatedAt: '2024-02-01T00:00:00.000Z', archived: false,
  }));
  fake.data.deals = [{ id: '500', properties: { dealname: 'Deal', amount: '100', dealstage: 'appointmentscheduled', pipeline: 'default', closedate: '2026-12-31T00:00:00Z', createdate: '2026-01-01T00:00:00.000Z', hs_lastmodifieddate: '2026-01-01T00:00:00.000Z' }, createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z', archived: false }];
  return fake;
}

export async function startMiniSalesforce(opts: { batchSize?: number } = {}): Promise<MiniFake> {
  const ids = { n: 10 };
  const cursors = new Map<string, { rows: Rec[]; size: number }>();
  const API = '/services/data/v62.0';
  const fake = await start('salesforce', (f, req, res, u, raw) => {
    if (u.pathname === '/services/oauth2/token' && req.method === 'POST') {
      if (!refreshOk(f, raw)) return json(res, 400, { error: 'invalid_grant', error_description: 'expired access/refresh token' });
      return json(res, 200, { access_token: f.issueAccessToken(), signature: 'sig', scope: 'refresh_token api', instance_url: f.url, id: `${f.url}/id/00D/005`, token_type: 'Bearer', issued_at: '1795000000000' });
    }
    const rl = { 'Sforce-Limit-Info': `api-usage=${f.seen.length}/5000` };
    const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
    if (!f.valid.has(token)) return json(res, 401, [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }], { 'WWW-Authenticate': 'Token' });
    if (f.throttle) {
      f.throttle = false;
      return json(res, 403, [{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }], { 'Sforce-Limit-Info': 'api-usage=5001/5000' });
    }
    const page = (key: string, offset: number): void => {
      const c = cursors.get(key);
      if (!c) return json(res, 404, [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }]);
      const records = c.rows.slice(offset, offset + c.size);
      const done = offset + c.size >= c.rows.length;
      json(res, 200, { totalSize: c.rows.length, done, ...(done ? {} : { nextRecordsUrl: `${API}/query/${key}-${offset + c.size}` }), records }, rl);
    };
    if (u.pathname === `${API}/query` && req.method === 'GET') {
      const q = u.searchParams.get('q') ?? '';
      const m = /^SELECT (.+) FROM (\w+)/.exec(q);
      if (!m) return json(res, 400, [{ message: 'unexpected token', errorCode: 'MALFORMED_QUERY' }]);
      const fields = (m[1] as string).split(',').map((s) => s.trim());
      const bad = fields.find((fl) => !/^\w+$/.test(fl));
      if (bad) return json(res, 400, [{ message: `No such column '${bad}'`, errorCode: 'INVALID_FIELD' }]);
      const rows = (f.data[m[2] as string] ?? []).map((r) => ({ attributes: r.attributes, ...Object.fromEntries(fields.map((fl) => [fl, r[fl] ?? null])) }));
      const hint = /batchSize=(\d+)/.exec(String(req.headers['sforce-query-options'] ?? ''));
      const key = `01gQ${cursors.size}`;
      cursors.set(key, { rows, size: opts.batchSize ?? Number(hint?.[1] ?? 2000) });
      return page(key, 0);
    }
    const qm = new RegExp(`^${API}/query/(\\w+)-(\\d+)$`).exec(u.pathname);
    if (qm && req.method === 'GET') return page(qm[1] as string, Number(qm[2]));
    const sm = new RegExp(`^${API}/sobjects/(\\w+)/?([^/]*)$`).exec(u.pathname);
    if (!sm) return json(res, 404, [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }]);
    const type = sm[1] as string;
    const list = (f.data[type] ??= []);
    const rec = sm[2] ? list.find((r) => r.Id === sm[2]) : undefined;
    const now = '2026-11-22T12:00:00.000+0000';
    if (req.method === 'GET' && rec) return json(res, 200, rec, rl);
    if (req.method === 'PATCH' && rec) {
      Object.assign(rec, JSON.parse(raw) as Rec, { LastModifiedDate: now });
      res.writeHead(204, rl);
      return res.end();
    }
    if (req.method === 'POST' && !sm[2]) {
      const b = JSON.parse(raw) as Rec;
      if (type === 'Note' && !b.ParentId) return json(res, 400, [{ message: 'Required fields are missing: [ParentId]', errorCode: 'REQUIRED_FIELD_MISSING', fields: ['ParentId'] }]);
      ids.n += 1;
      const prefix = ({ Contact: '003', Account: '001', Opportunity: '006', Note: '002' } as Record<string, string>)[type] ?? '000';
      const id = `${prefix}${String(ids.n).padStart(12, '0')}AAA`;
      list.push({ attributes: { type, url: `${API}/sobjects/${type}/${id}` }, Id: id, ...b, OwnerId: '005000000000001AAA', CreatedDate: now, LastModifiedDate: now });
      return json(res, 201, { id, errors: [], success: true }, rl);
    }
    return json(res, 404, [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }]);
  });
  fake.data.Contact = Array.from({ length: 7 }, (_, i) => ({
    attributes: { type: 'Contact' }, Id: `003${String(i).padStart(12, '0')}AAA`, FirstName: `First${i}`, LastName: `Last${i}`, Email: `c${i}@example.com`,
    CreatedDate: '2024-01-01T00:00:00.000+0000', LastModifiedDate: '2024-02-01T00:00:00.000+0000', ...(i === 0 ? { Custom_Tier__c: 'Gold' } : {}),
  }));
  fake.data.Opportunity = [{ attributes: { type: 'Opportunity' }, Id: '006000000000001AAA', Name: 'Deal', Amount: 100, StageName: 'Prospecting', CloseDate: '2026-12-31', CreatedDate: '2026-01-01T00:00:00.000+0000', LastModifiedDate: '2026-01-01T00:00:00.000+0000' }];
  return fake;
}
