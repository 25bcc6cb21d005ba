/**
 * A small in-test Engine over in-memory records: enough to exercise the MCP layer (schemas,
 * result mapping, account state) without a provider. Counts calls so tests can assert the
 * provider was never touched. The real engine against the fake CRMs is tested in *.e2e tests.
 */
import type { Engine, EngineRequest, EngineResult, RateLimitInfo } from '../../../src/engine/types.js';
import { UNIFIED_RESOURCES, type UnifiedMethod, type UnifiedResource } from '../../../src/unified/models.js';

export interface MemoryEngine extends Engine {
  calls: EngineRequest[];
  records: Record<UnifiedResource, Array<Record<string, unknown>>>;
  /** The next execute() returns this instead (once). */
  failNext?: EngineResult;
  throwNext?: unknown;
}

const ALL: Array<{ resource: UnifiedResource; method: UnifiedMethod }> = [
  ...(['contacts', 'deals'] as const).flatMap((r) => (['list', 'get', 'create', 'update'] as const).map((m) => ({ resource: r, method: m }))),
  { resource: 'contacts', method: 'search' },
  { resource: 'companies', method: 'list' },
  { resource: 'companies', method: 'get' },
  { resource: 'notes', method: 'list' },
  { resource: 'notes', method: 'create' },
];

export function createMemoryEngine(opts: { without?: UnifiedResource[]; rateLimit?: RateLimitInfo } = {}): MemoryEngine {
  const rate_limit: RateLimitInfo = opts.rateLimit ?? { limit: 100, remaining: 97, reset_seconds: 9 };
  let nextId = 1000;
  const engine: MemoryEngine = {
    calls: [],
    records: {
      contacts: Array.from({ length: 5 }, (_, i) => ({ id: String(i + 1), first_name: `First${i + 1}`, last_name: 'Doe', emails: [{ value: `p${i + 1}@example.com` }], phones: [] })),
      companies: [{ id: 'c1', name: 'Acme', domain: 'acme.test', phones: [] }],
      deals: [{ id: 'd1', name: 'Big deal', amount: 1000, currency: 'USD', stage: 'open', contact_ids: [] }],
      notes: [{ id: 'n1', body: 'Called', contact_ids: ['1'], company_ids: [], deal_ids: [] }],
    },
    async capabilities() {
      return ALL.filter((c) => !opts.without?.includes(c.resource));
    },
    async describe(account) {
      const objects = UNIFIED_RESOURCES.filter((r) => !opts.without?.includes(r)).map((resource) => ({ resource, custom_fields: {} }));
      return { ok: true, data: { integration: account.integration, display_name: account.integration, objects, fetched_at: new Date(0).toISOString() }, cached: false, rate_limit, provider_requests: 0 };
    },
    schemaFacts: () => ({ custom_fields: {} }),
    async execute(req) {
      engine.calls.push(req);
      if (engine.throwNext !== undefined) {
        const e = engine.throwNext;
        engine.throwNext = undefined;
        throw e;
      }
      if (engine.failNext) {
        const f = engine.failNext;
        engine.failNext = undefined;
        return f;
      }
      const rows = engine.records[req.resource];
      const ok = (data: Extract<EngineResult, { ok: true }>['data'], next_cursor?: string | null): EngineResult => ({
        ok: true,
        data,
        ...(next_cursor !== undefined ? { next_cursor } : {}),
        rate_limit,
        provider_requests: 1,
      });
      const project = (r: Record<string, unknown>) =>
        req.fields ? Object.fromEntries(Object.entries(r).filter(([k]) => k === 'id' || req.fields!.includes(k))) : { ...r, ...(req.includeRemoteData ? { remote_data: { raw: true } } : {}) };
      switch (req.method) {
        case 'list':
        case 'search': {
          const start = req.cursor ? Number(req.cursor) : 0;
          const limit = req.limit ?? 2;
          const page = rows.slice(start, start + limit).map(project);
          return ok(page, start + limit < rows.length ? String(start + limit) : null);
        }
        case 'get': {
          const r = rows.find((x) => x.id === req.id);
          return r
            ? ok(project(r))
            : { ok: false, error: { code: 'not_found', message: `no ${req.resource} with id ${req.id}`, status: 404 }, rate_limit, provider_requests: 1 };
        }
        case 'create': {
          const r = { id: String(nextId++), ...req.input, ...(req.resource === 'notes' ? {} : {}) };
          rows.push(r);
          return ok(project(r));
        }
        case 'update': {
          const r = rows.find((x) => x.id === req.id);
          if (!r) return { ok: false, error: { code: 'not_found', message: `no ${req.resource} with id ${req.id}` }, rate_limit, provider_requests: 1 };
          Object.assign(r, req.input);
          return ok(project(r));
        }
      }
    },
  };
  return engine;
}
