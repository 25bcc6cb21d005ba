/**
 * Adding a CRM with zero TypeScript and without touching the package: a definition for "Acme CRM"
 * — people/organizations/opportunities/activities, `page_token` pagination, money in minor units
 * converted by the definition's own `functions`, IETF `RateLimit`/`RateLimit-Policy` headers, an
 * API key sent as `Authorization: Token …`, a 422 error body of its own — is written into a temp
 * directory, loaded with `--integrations`, and every tool is driven over stdio (the SDK Client
 * spawning `node dist/cli/main.js stdio`). The package's integrations/ is byte-for-byte unchanged.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import type { CallToolResult } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliArgs, configEnvironments, ROOT, writeConfigFile } from '../helpers/dist.js';

const KEY = 'acme-live-key-0123456789';
const STAGES = ['lead', 'qualified', 'proposal', 'won', 'lost'];

/** The definition an integrator writes, from integrations/README.md and MODEL.md alone. */
const ACME = {
  name: 'acme',
  display_name: 'Acme CRM',
  auth: { type: 'api_key', in: 'header', name: 'Authorization', prefix: 'Token ' },
  base_url: 'https://api.acme-crm.example/v2',
  allowed_hosts: ['api.acme-crm.example'],
  vars: { exponent: 2, default_currency: 'EUR' },
  functions: {
    to_major: 'function($minor) { $type($minor) = "number" ? $minor / $power(10, $vars.exponent) : null }',
    to_minor: 'function($major) { $round($major * $power(10, $vars.exponent)) }',
    ids: 'function($links, $type) { [$links[type = $type].$string(id)] }',
  },
  errors: [
    { kind: 'revoked', status: [401], message: "'Acme CRM refused the API key'" },
    { kind: 'rate_limited', status: [429], message: 'error.message', provider_code: 'error.code' },
    { kind: 'not_found', status: [404], message: 'error.message', provider_code: 'error.code' },
    { kind: 'validation', status: [400, 422], message: 'error.message', provider_code: 'error.code', fields: '[error.field]' },
  ],
  rate_limit: { format: 'ietf' },
  resources: {
    contacts: {
      mapping:
        "{ 'id': $string(id), 'first_name': given_name, 'last_name': family_name, 'emails': [email_addresses.{'value': address, 'type': label, 'primary': primary}], 'phones': [], 'title': job_title, 'owner_id': null, 'company_id': organization_id ? $string(organization_id) : null, 'created_at': created_at, 'updated_at': updated_at }",
      list: { method: 'GET', path: '/people', query: "{'page_size': $limit}", records: 'items', pagination: { type: 'page_token', next: 'next_page_token', param: 'page_token' }, limit: { default: 5, max: 50 } },
      search: { method: 'GET', path: '/people:search', query: "{'q': $input.query, 'page_size': $limit}", records: 'items', pagination: { type: 'page_token', next: 'next_page_token', param: 'page_token' }, limit: { default: 5, max: 50 } },
      get: { method: 'GET', path: '/people/{{id}}', record: 'person' },
      create: { method: 'POST', path: '/people', record: 'person', required: ['last_name'], body: "{'given_name': $input.first_name, 'family_name': $input.last_name, 'email_addresses': [$input.emails.{'address': value, 'label': type ? type : 'work', 'primary': primary = true}], 'job_title': $input.title, 'organization_id': $input.company_id}" },
      update: { method: 'PATCH', path: '/people/{{id}}', record: 'person', body: "{'given_name': $input.first_name, 'family_name': $input.last_name, 'job_title': $input.title, 'organization_id': $input.company_id}" },
    },
    companies: {
      mapping: "{ 'id': $string(id), 'name': name, 'domain': website_host, 'industry': sector, 'phones': [], 'employee_count': headcount, 'owner_id': null, 'created_at': created_at, 'updated_at': updated_at }",
      list: { method: 'GET', path: '/organizations', query: "{'page_size': $limit}", records: 'items', pagination: { type: 'page_token', next: 'next_page_token', param: 'page_token' }, limit: { default: 10, max: 50 } },
      get: { method: 'GET', path: '/organizations/{{id}}', record: 'organization' },
    },
    deals: {
      mapping:
        "{ 'id': $string(id), 'name': title, 'amount': $to_major(value.amount_minor), 'currency': value.currency, 'stage': stage, 'pipeline': null, 'close_date': expected_close, 'owner_id': null, 'company_id': organization_id ? $string(organization_id) : null, 'contact_ids': [people_ids.$string($)], 'created_at': created_at, 'updated_at': updated_at }",
      list: { method: 'GET', path: '/opportunities', query: "{'page_size': $limit}", records: 'items', pagination: { type: 'page_token', next: 'next_page_token', param: 'page_token' }, limit: { default: 10, max: 50 } },
      get: { method: 'GET', path: '/opportunities/{{id}}', record: 'opportunity' },
      create: {
        method: 'POST', path: '/opportunities', record: 'opportunity', required: ['name', 'stage'],
        body: "{'title': $input.name, 'value': $exists($input.amount) ? {'amount_minor': $to_minor($input.amount), 'currency': $input.currency ? $input.currency : $vars.default_currency}, 'stage': $input.stage, 'expected_close': $input.close_date, 'organization_id': $input.company_id, 'people_ids': $input.contact_ids}",
      },
      update: {
        method: 'PATCH', path: '/opportunities/{{id}}', record: 'opportunity',
        body: "{'title': $input.name, 'value': $exists($input.amount) ? {'amount_minor': $to_minor($input.amount), 'currency': $input.currency ? $input.currency : $vars.default_currency}, 'stage': $input.stage, 'expected_close': $input.close_date}",
      },
    },
    notes: {
      mapping: "{ 'id': $string(id), 'body': text, 'owner_id': null, 'contact_ids': $ids(links, 'person'), 'company_ids': $ids(links, 'organization'), 'deal_ids': $ids(links, 'opportunity'), 'created_at': occurred_at, 'updated_at': occurred_at }",
      list: { method: 'GET', path: '/activities', query: "{'kind': 'note', 'page_size': $limit}", records: 'items', pagination: { type: 'page_token', next: 'next_page_token', param: 'page_token' }, limit: { default: 10, max: 50 } },
      create: {
        method: 'POST', path: '/activities', record: 'activity',
        body: "{'kind': 'note', 'text': $input.body, 'occurred_at': $nowIso, 'links': [$input.contact_ids.{'type': 'person', 'id': $number($)}, $input.company_ids.{'type': 'organization', 'id': $number($)}, $input.deal_ids.{'type': 'opportunity', 'id': $number($)}]}",
      },
    },
  },
};

// ---- The Acme CRM fake: its own shapes, IETF rate-limit fields, opaque page tokens, 422s. ----
type Row = Record<string, unknown> & { id: number };
const T0 = '2026-11-01T09:00:00Z';
const db: Record<string, Row[]> = {
  people: Array.from({ length: 12 }, (_, i) => ({ id: i + 1, given_name: `Given${i + 1}`, family_name: i === 3 ? 'Lovelace' : `Family${i + 1}`, email_addresses: [{ address: `p${i + 1}@acme.example`, label: 'work', primary: true }], job_title: null, organization_id: (i % 2) + 100, created_at: T0, updated_at: T0 })),
  organizations: [100, 101].map((id) => ({ id, name: `Org ${id}`, website_host: `org${id}.example`, sector: 'Software', headcount: 40, created_at: T0, updated_at: T0 })),
  opportunities: [1, 2, 3].map((id) => ({ id: 500 + id, title: `Opp ${id}`, value: { amount_minor: 123450 * id, currency: 'EUR' }, stage: 'qualified', expected_close: '2027-01-31', organization_id: 100, people_ids: [1, 2], created_at: T0, updated_at: T0 })),
  activities: [{ id: 900, kind: 'note', text: 'Kickoff call', occurred_at: T0, links: [{ type: 'person', id: 1 }, { type: 'opportunity', id: 501 }] }],
};
const SINGULAR: Record<string, string> = { people: 'person', organizations: 'organization', opportunities: 'opportunity', activities: 'activity' };
let used = 0;
let server: Server;
let fakeUrl: string;

function startAcme(): Promise<void> {
  server = createServer((req, res) => {
    used += 1;
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json', ratelimit: `"default";r=${500 - used};t=42`, 'ratelimit-policy': '"default";q=500;w=60' });
      res.end(JSON.stringify(body));
    };
    if (req.headers.authorization !== `Token ${KEY}`) return send(401, { error: { code: 'unauthorized', message: 'invalid API key' } });
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      const u = new URL(req.url ?? '/', 'http://x');
      const m = /^\/v2\/(people|organizations|opportunities|activities)(?::search)?(?:\/(\d+))?$/.exec(u.pathname);
      if (!m) return send(404, { error: { code: 'no_route', message: 'no such endpoint' } });
      const [, coll, id] = m as unknown as [string, string, string | undefined];
      const rows = db[coll]!;
      const body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
      const invalid = (field: string, message: string) => send(422, { error: { code: 'invalid_value', field, message } });
      if (coll === 'opportunities' && body.stage !== undefined && !STAGES.includes(String(body.stage))) return invalid('stage', `stage must be one of ${STAGES.join(', ')}`);
      if (req.method === 'GET' && id === undefined) {
        let items = u.pathname.endsWith(':search') ? rows.filter((r) => JSON.stringify(r).toLowerCase().includes((u.searchParams.get('q') ?? '').toLowerCase())) : rows;
        if (coll === 'activities') items = items.filter((r) => r.kind === u.searchParams.get('kind'));
        const start = u.searchParams.has('page_token') ? Number(Buffer.from(u.searchParams.get('page_token')!, 'base64url').toString()) : 0;
        const size = Number(u.searchParams.get('page_size') ?? 10);
        const next = start + size < items.length ? Buffer.from(String(start + size)).toString('base64url') : null;
        return send(200, { items: items.slice(start, start + size), next_page_token: next });
      }
      const row = id === undefined ? undefined : rows.find((r) => r.id === Number(id));
      if (id !== undefined && !row) return send(404, { error: { code: 'not_found', message: `${SINGULAR[coll]} ${id} does not exist` } });
      if (req.method === 'GET') return send(200, { [SINGULAR[coll]!]: row });
      if (req.method === 'POST') {
        if (coll === 'people' && !body.family_name) return invalid('family_name', 'family_name is required');
        if (coll === 'opportunities' && !body.title) return invalid('title', 'title is required');
        const created = { ...body, id: Math.max(...rows.map((r) => r.id)) + 1, created_at: T0, updated_at: T0 } as Row;
        rows.push(created);
        return send(201, { [SINGULAR[coll]!]: created });
      }
      if (req.method === 'PATCH' && row) {
        Object.assign(row, body, { updated_at: '2026-11-02T10:00:00Z' });
        return send(200, { [SINGULAR[coll]!]: row });
      }
      send(405, { error: { code: 'method_not_allowed', message: 'not allowed' } });
    });
  });
  return new Promise((r) => server.listen(0, '127.0.0.1', () => ((fakeUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v2`), r())));
}

const run = promisify(execFile);
const packageHash = () => {
  const h = createHash('sha256');
  for (const f of readdirSync(join(ROOT, 'integrations')).sort()) h.update(f).update(readFileSync(join(ROOT, 'integrations', f)));
  return h.digest('hex');
};

let defsDir: string;
let env: Record<string, string>;
let before: string;
let client: Client;

beforeAll(async () => {
  before = packageHash();
  await startAcme();
  defsDir = mkdtempSync(join(tmpdir(), 'acme-defs-'));
  writeFileSync(join(defsDir, 'acme.json'), JSON.stringify(ACME, null, 2));
  const config = writeConfigFile({ environments: configEnvironments({ test: { acme: { base_url: fakeUrl } } }), insecureHosts: [new URL(fakeUrl).host] });
  env = { ...(process.env as Record<string, string>), CRM_MCP_CONFIG: config, CRM_MCP_DATA_DIR: mkdtempSync(join(tmpdir(), 'acme-data-')), ACME_KEY: KEY };
  const created = await run(process.execPath, cliArgs('accounts', 'create', '--integrations', defsDir, '--tenant', 'acme-tenant', '--integration', 'acme', '--auth-method', 'api_key', '--api-key-env', 'ACME_KEY', '--environment', 'test', '--id', 'acme-1', '--json'), { cwd: ROOT, env });
  expect(JSON.parse(created.stdout)).toMatchObject({ ok: true, account: { status: 'active' } });
  client = new Client({ name: 'bring-your-own', version: '1' });
  await client.connect(new StdioClientTransport({ command: process.execPath, args: cliArgs('stdio', '--integrations', defsDir, '--account', 'acme-1'), cwd: ROOT, env, stderr: 'pipe' }));
}, 60_000);

afterAll(async () => {
  await client?.close();
  await new Promise<void>((r) => server.close(() => r()));
});

const call = async (name: string, args: Record<string, unknown>) => {
  const r = (await client.callTool({ name, arguments: args })) as CallToolResult;
  return { r, sc: r.structuredContent as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any -- loosely shaped results
};

describe('a CRM the project has never seen, from a definition file in a temp directory', () => {
  it('tools/list offers every tool the definition backs, described with "Acme CRM" as given and nothing of other CRMs', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(['create_contact', 'create_deal', 'describe_crm', 'get_company', 'get_contact', 'get_deal', 'list_companies', 'list_contacts', 'list_deals', 'list_notes', 'log_note', 'search_contacts', 'update_contact', 'update_deal']);
    for (const t of tools) {
      expect(t.description).toContain('Acme CRM');
      expect(t.description).not.toMatch(/Acme CRM CRM|HubSpot|Salesforce/);
    }
    expect(tools.find((t) => t.name === 'create_deal')?.description).toContain('Acme CRM requires name and stage.');
  });

  it('contacts: every person once through page tokens, search, get, create (409-free), update; rate limits from the IETF fields', async () => {
    const seen: string[] = [];
    let cursor: string | null | undefined;
    let pages = 0;
    do {
      const { sc, r } = await call('list_contacts', { limit: 5, ...(cursor ? { cursor } : {}) });
      seen.push(...(sc.contacts as Array<{ id: string }>).map((c) => c.id));
      cursor = sc.next_cursor;
      pages += 1;
      expect(sc.rate_limit).toEqual({ limit: 500, remaining: 500 - used, reset_seconds: 42 });
      expect((r._meta as Record<string, string>).ratelimit).toBe(`"default";r=${500 - used};t=42`);
    } while (cursor);
    expect(pages).toBe(3);
    expect(new Set(seen).size).toBe(12);
    const found = await call('search_contacts', { query: 'lovelace' });
    expect(found.sc.contacts).toEqual([expect.objectContaining({ id: '4', last_name: 'Lovelace', company_id: '101', emails: [{ value: 'p4@acme.example', type: 'work', primary: true }] })]);
    expect((await call('get_contact', { id: '4' })).sc.contact).toMatchObject({ id: '4', first_name: 'Given4', created_at: T0 });
    const made = await call('create_contact', { first_name: 'Grace', last_name: 'Hopper', emails: [{ value: 'grace@acme.example', primary: true }], company_id: '100' });
    expect(made.sc.contact).toMatchObject({ id: '13', first_name: 'Grace', last_name: 'Hopper', company_id: '100', emails: [{ value: 'grace@acme.example', type: 'work', primary: true }] });
    const changed = await call('update_contact', { id: '13', title: 'Rear Admiral' });
    expect(changed.sc.contact).toMatchObject({ id: '13', title: 'Rear Admiral', last_name: 'Hopper' });
    const missing = await call('create_contact', { first_name: 'No surname' });
    expect(missing.sc.error).toMatchObject({ code: 'validation', fields: ['last_name'], provider_code: 'invalid_value', status: 422 });
  });

  it('companies: list and get', async () => {
    const list = await call('list_companies', {});
    expect(list.sc.companies).toHaveLength(2);
    expect((await call('get_company', { id: '101' })).sc.company).toMatchObject({ id: '101', name: 'Org 101', domain: 'org101.example', employee_count: 40 });
  });

  it('deals: money in minor units both ways through the definition\'s functions; an unknown stage is a validation error naming stage', async () => {
    expect((await call('get_deal', { id: '502' })).sc.deal).toMatchObject({ id: '502', amount: 2469, currency: 'EUR', stage: 'qualified', contact_ids: ['1', '2'], company_id: '100' });
    expect((await call('list_deals', {})).sc.deals).toHaveLength(3);
    const made = await call('create_deal', { name: 'Expansion', amount: 1234.56, stage: 'lead', close_date: '2027-03-31', contact_ids: ['4'] });
    expect(made.sc.deal).toMatchObject({ name: 'Expansion', amount: 1234.56, currency: 'EUR', stage: 'lead', close_date: '2027-03-31', contact_ids: ['4'] });
    expect(db.opportunities!.at(-1)?.value).toEqual({ amount_minor: 123456, currency: 'EUR' });
    const won = await call('update_deal', { id: made.sc.deal.id, stage: 'won', amount: 2000 });
    expect(won.sc.deal).toMatchObject({ stage: 'won', amount: 2000 });
    const bad = await call('update_deal', { id: made.sc.deal.id, stage: 'Closed Won' });
    expect(bad.r.isError).toBe(true);
    expect(bad.sc.error).toMatchObject({ code: 'validation', fields: ['stage'], message: 'stage must be one of lead, qualified, proposal, won, lost' });
  });

  it('notes: log one against a person and a deal, list it back with its links', async () => {
    const logged = await call('log_note', { body: 'Sent the proposal', contact_ids: ['4'], deal_ids: ['501'] });
    expect(logged.sc.note).toMatchObject({ body: 'Sent the proposal', contact_ids: ['4'], deal_ids: ['501'], company_ids: [] });
    const notes = (await call('list_notes', {})).sc.notes as Array<{ body: string }>;
    expect(notes.map((n) => n.body)).toEqual(['Kickoff call', 'Sent the proposal']);
  });

  it('the CLI sees it too (integrations list/validate), and no file of the package changed', async () => {
    const listed = JSON.parse((await run(process.execPath, cliArgs('integrations', 'list', '--integrations', defsDir, '--json'), { cwd: ROOT, env })).stdout) as { integrations: Array<{ name: string; file: string; auth_methods: string[] }> };
    expect(listed.integrations.find((i) => i.name === 'acme')).toMatchObject({ file: join(defsDir, 'acme.json'), auth_methods: ['api_key'] });
    const valid = JSON.parse((await run(process.execPath, cliArgs('integrations', 'validate', join(defsDir, 'acme.json'), '--json'), { cwd: ROOT, env })).stdout) as { ok: boolean; errors: unknown[]; warnings: unknown[] };
    expect(valid).toMatchObject({ ok: true, errors: [], warnings: [] });
    expect(packageHash()).toBe(before);
  });
});
