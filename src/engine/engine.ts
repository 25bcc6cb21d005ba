/**
 * The execution engine: resolve the account's definition (with overrides) → get a token →
 * build the request (pure) → send it with undici → process the response (pure). On an
 * expired-access-token error it forces one refresh and retries once; it never retries or
 * waits on throttling or 5xx — those come back as typed results with rate-limit figures.
 */
import type { LinkedAccount } from '../accounts/model.js';
import type { Keyring } from '../crypto/keyring.js';
import type { Deps } from '../core/deps.js';
import { ERROR_TABLE } from '../core/error-table.js';
import { CrmMcpError, isCrmMcpError } from '../core/errors.js';
import { createExpressionCompiler, type ExpressionBounds, type ExpressionCompiler } from '../integrations/expressions.js';
import { createDefinitionResolver, type Json } from '../integrations/overrides.js';
import type { IntegrationRegistry } from '../integrations/registry.js';
import type { Definition, Operation, ProviderCall, Resource } from '../integrations/schema.js';
import type { TokenProvider } from '../tokens/types.js';
import { UNIFIED_METHODS, UNIFIED_RESOURCES } from '../unified/models.js';
import { continuationProblem, createCursorSealer, operationVersion, type CursorBinding } from './cursor.js';
import { createDiscovery, schemaFactsOf } from './discovery.js';
import { applyIncludes, chooseListOperation } from './associations.js';
import { toUnifiedFields } from './field-names.js';
import { dryRunView } from './dry-run.js';
import { exchange } from './exchange.js';
import type { errors as undiciErrors, getGlobalDispatcher, util as undiciUtil } from 'undici';
import { createIdempotency, type IdempotencyOptions } from './idempotency.js';
import { buildRequest, operationPath, publicContext, type BuiltRequest } from './request.js';
import { normalizeRateLimit } from './rate-limit.js';
import { classifyError, extractRecord, extractRecords, mapRecord, mapRecords, nextPage, parseBody, type RawResponse } from './response.js';
import type { Capability, Engine, EngineError, EngineErrorCode, EngineRequest, EngineResult, RateLimitInfo } from './types.js';

interface CallState {
  def: Definition;
  cred: { token: string; account: LinkedAccount };
  sent: Sent;
  signal?: AbortSignal;
}

interface CallArgs {
  id?: string;
  input?: Record<string, unknown>;
  limit?: number;
  page?: string | number;
  extra?: Record<string, unknown>;
}

/** A metadata or includes call as an operation the request builder knows (its `result` is read apart). */
const asOperation = (c: ProviderCall): Operation => ({
  method: c.method, path: c.path, ...(c.query ? { query: c.query } : {}), ...(c.headers ? { headers: c.headers } : {}), ...(c.body ? { body: c.body } : {}),
});

export interface EngineOptions {
  registry: IntegrationRegistry;
  tokens: TokenProvider;
  deps: Pick<Deps, 'clock' | 'logger'> & Partial<Pick<Deps, 'dispatcher'>>;
  /** Bounds on every JSONata evaluation (steps, depth, sizes) and the isolation pool for override expressions. */
  expressionBounds?: ExpressionBounds;
  /** Environment overrides: environment name → integration name → partial definition. */
  envOverrides?: Record<string, Record<string, Json>>;
  /** The operator's `insecureHosts`: loopback hosts (optionally :port) allowed also over plain http (src/integrations/hosts.ts). */
  insecureHosts?: readonly string[];
  /** Per-request timeout for provider calls (default 30 s). */
  requestTimeoutMs?: number;
  /** Largest response body read, in bytes (default 10 MiB). */
  maxResponseBytes?: number;
  /**
   * The keys list cursors are sealed under (src/engine/cursor.ts): the store's keyring, so that
   * replicas accept each other's cursors. Without it cursors are valid for this engine only.
   */
  cursorKeys?: Keyring;
  /** How long a cursor stays valid (default 24 h). */
  cursorTtlMs?: number;
  /**
   * Where idempotent writes keep their results (src/engine/idempotency.ts): the shared store and
   * its keyring, so that every replica replays them. Without it a write with an idempotency key
   * is refused rather than sent unprotected.
   */
  idempotency?: IdempotencyOptions;
  /** How long describe_crm's discovery stays cached per account (default 10 min). */
  discoveryTtlMs?: number;
}

class Sent { count = 0; refreshed = false; }

export function createEngine(opts: EngineOptions): Engine {
  const compiler: ExpressionCompiler = createExpressionCompiler(opts.expressionBounds);
  // The definition files are trusted (evaluated in-process); what overrides add runs isolated.
  for (const d of opts.registry.list()) compiler.trust(d);
  const resolver = createDefinitionResolver(compiler);
  const insecureHosts = opts.insecureHosts ?? [];
  // Only what scripts/bundle-cli.ts re-exports from its undici chunk.
  let undici: Promise<{ getGlobalDispatcher: typeof getGlobalDispatcher; errors: typeof undiciErrors; util: typeof undiciUtil }> | undefined;
  const log = opts.deps.logger.child({ component: 'engine' });
  const discovery = createDiscovery({
    clock: opts.deps.clock,
    compiler,
    ...(opts.discoveryTtlMs !== undefined ? { ttlMs: opts.discoveryTtlMs } : {}),
    classify: async (def, res) => {
      const cls = await classifyError(def, compiler, res);
      return { code: cls.code, message: cls.message, status: res.status, ...(cls.provider_code ? { provider_code: cls.provider_code } : {}) };
    },
  });
  const cursors = createCursorSealer({ clock: opts.deps.clock, ...(opts.cursorKeys ? { keyring: opts.cursorKeys } : {}), ...(opts.cursorTtlMs ? { ttlMs: opts.cursorTtlMs } : {}) });

  const idempotency = opts.idempotency ? createIdempotency(opts.idempotency, opts.deps) : undefined;

  const resolve = (account: LinkedAccount): Definition =>
    resolver.resolve(opts.registry.get(account.integration), opts.envOverrides?.[account.environment]?.[account.integration], account);

  async function credential(account: LinkedAccount, def: Definition, sent: Sent, force?: { rejected: string }): Promise<{ token: string; account: LinkedAccount }> {
    if (account.authentication_method === 'api_key') {
      const key = account.context.api_key;
      if (!key) throw new CrmMcpError('needs_reauth', 'this account has no API key; reconnect it');
      return { token: key, account };
    }
    const r = await opts.tokens.getAccessToken(account, force ? { forceRefresh: true, rejectedToken: force.rejected } : undefined);
    sent.refreshed ||= r.refreshed === true;
    return { token: r.accessToken, account: r.account };
  }

  async function send(req: BuiltRequest, sent: Sent, signal?: AbortSignal): Promise<RawResponse> {
    sent.count += 1;
    // undici loads on the first provider call, not before `tools/list` (stdio startup); imported once.
    const u = await (undici ??= import('undici')).catch((e: unknown) => {
      throw new CrmMcpError('provider_unavailable', `could not reach ${req.url.host}: ${(e as Error).message}`, { cause: e });
    });
    const res = await exchange(req, {
      dispatcher: opts.deps.dispatcher ?? u.getGlobalDispatcher(),
      timeoutMs: opts.requestTimeoutMs ?? 30_000,
      maxBytes: opts.maxResponseBytes ?? 10 * 1024 * 1024,
      signal,
      aborted: () => new u.errors.RequestAbortedError(),
      parseHeaders: (raw) => u.util.parseHeaders(raw) as Record<string, string | string[]>,
    });
    const { body, unparsable } = parseBody(res.text);
    log.debug('provider response', { method: req.method, host: req.url.host, path: req.url.pathname, status: res.status });
    return { status: res.status, headers: res.headers, body, unparsable };
  }

  /** Builds and sends one request; an expired access token is refreshed once and the request retried. */
  async function sendOp(st: CallState, resourceName: string, resource: Resource, o: Operation, method: string, a: CallArgs = {}): Promise<RawResponse> {
    const build = (c: { token: string; account: LinkedAccount }) =>
      buildRequest({
        def: st.def, compiler, insecureHosts, resourceName, methodName: method, resource, op: o,
        account: c.account, credential: c.token, nowMs: opts.deps.clock.now(),
        ...(a.id !== undefined ? { id: a.id } : {}), ...(a.input ? { input: a.input } : {}), ...(a.limit !== undefined ? { limit: a.limit } : {}),
        ...(a.page !== undefined ? { page: a.page } : {}), ...(a.extra ? { extra: a.extra } : {}),
      });
    let res = await send(await build(st.cred), st.sent, st.signal);
    if (res.status >= 400) {
      const cls = await classifyError(st.def, compiler, res);
      if (cls.kind === 'expired_token' && st.cred.account.authentication_method !== 'api_key') {
        log.info('provider rejected access token as expired; forcing one refresh', { account_id: st.cred.account.id, integration: st.def.name });
        st.cred = await credential(st.cred.account, st.def, st.sent, { rejected: st.cred.token });
        res = await send(await build(st.cred), st.sent, st.signal);
      }
    }
    return res;
  }

  async function run(req: EngineRequest, sent: Sent, rl: { info: RateLimitInfo | null }): Promise<EngineResult> {
    let def: Definition;
    try {
      def = resolve(req.account);
    } catch (e) {
      if (isCrmMcpError(e, 'integration_unknown')) return fail('unsupported', e.message);
      throw e;
    }
    const resourceName = req.resource;
    const resource = def.resources[resourceName];
    const chosen = chooseListOperation(def, resourceName, resource, req);
    if ('error' in chosen) return { ok: false, error: chosen.error, rate_limit: rl.info, provider_requests: sent.count };
    const op = chosen.op;
    if (!resource || !op) return fail('unsupported', `${def.display_name} does not support ${req.method} on ${resourceName}`);
    const where = `${def.name} resources.${resourceName}.${chosen.name}`;
    const refusal = await refusedFields(def, op, req, where);
    const refused = Object.keys(refusal);
    if (refused.length > 0) {
      const why = refused.map((f) => `${f}: ${refusal[f]}`).join('; ');
      return fail('validation', `${why}. Nothing was sent; leave out or change ${refused.join(', ')}`, undefined, refused);
    }

    let page: string | number | undefined;
    let skip = 0;
    const binding: CursorBinding = { account: req.account.id, integration: def.name, resource: resourceName, method: chosen.binding, version: operationVersion(def, op) };
    // Opened before any token is asked for or request sent: a refused cursor costs nothing at the provider.
    if (req.cursor) {
      const d = cursors.open(req.cursor, binding);
      if ('error' in d) return fail('validation', d.error);
      page = d.s;
      skip = d.k ?? 0;
    }
    const limit = op.limit ? Math.min(Math.max(1, req.limit ?? op.limit.default), op.limit.max) : req.limit;

    if (req.dryRun && (req.method === 'create' || req.method === 'update')) {
      // Built like the real request (same checks, same body); no token is asked for and nothing is sent.
      const built = await buildRequest({
        def, compiler, insecureHosts, resourceName, methodName: req.method, resource, op,
        account: req.account, credential: 'dry-run', nowMs: opts.deps.clock.now(),
        ...(req.id !== undefined ? { id: req.id } : {}), ...(req.input ? { input: req.input } : {}),
      });
      return { ok: true, data: null, dry_run: dryRunView(built, def, req.account, op.then_get !== undefined), rate_limit: null, provider_requests: 0 };
    }

    const st: CallState = { def, cred: await credential(req.account, def, sent), sent, ...(req.signal ? { signal: req.signal } : {}) };
    const call = (o: Operation, method: string, id: string | undefined, input: Record<string, unknown> | undefined, pg?: string | number): Promise<RawResponse> =>
      sendOp(st, resourceName, resource, o, method, { ...(id !== undefined ? { id } : {}), ...(input ? { input } : {}), ...(limit !== undefined ? { limit } : {}), ...(pg !== undefined ? { page: pg } : {}) });

    let before: unknown;
    if (op.before && (req.method === 'create' || req.method === 'update')) {
      const b = op.before;
      const b0 = { input: req.input ?? {}, id: req.id, vars: def.vars };
      if (!b.when || (await compiler.evaluate(b.when, req.input ?? {}, b0, `${where}.before.when`, def.functions)) === true) {
        const got = await sendOp(st, resourceName, resource, asOperation(b), `${chosen.name}.before`, { ...(req.id !== undefined ? { id: req.id } : {}), ...(req.input ? { input: req.input } : {}) });
        if (got.status >= 400) return errorResult(def, got, rl, resource);
        before = await compiler.evaluate(b.result, got.body ?? {}, b0, `${where}.before.result`, def.functions);
      }
    }
    const res = before === undefined
      ? await call(op, chosen.name, req.id, req.input, page)
      : await sendOp(st, resourceName, resource, op, chosen.name, { ...(req.id !== undefined ? { id: req.id } : {}), ...(req.input ? { input: req.input } : {}), extra: { before } });
    rl.info = normalizeRateLimit(def.rate_limit, res.headers, { nowMs: opts.deps.clock.now() });
    if (res.status >= 400) return errorResult(def, res, rl, resource);
    if (res.unparsable) return fail('provider_error', `${def.display_name} answered HTTP ${res.status} with a body that is not JSON`, res.status);
    if (op.failure) {
      // A composite/batch API answers 200 and reports the part that failed inside.
      const f = await compiler.evaluate(op.failure, res.body ?? {}, { vars: def.vars }, `${where}.failure`, def.functions);
      const part = typeof f === 'object' && f !== null && !Array.isArray(f) ? (f as { status?: unknown; body?: unknown }) : undefined;
      if (part && typeof part.status === 'number') return errorResult(def, { status: part.status, headers: res.headers, body: part.body, unparsable: false }, rl, resource);
    }
    const mapOpts = { includeRemoteData: req.includeRemoteData ?? false, ...(req.fields ? { fields: req.fields } : {}) };

    if (req.method === 'list' || req.method === 'search') {
      const raws = await extractRecords(def, compiler, op, res.body, where, req.input);
      const rest = raws.slice(skip);
      const cut = limit !== undefined && rest.length > limit;
      const data = await mapRecords(def, compiler, resourceName, resource, cut ? rest.slice(0, limit) : rest, mapOpts);
      let next_cursor: string | null;
      if (cut) {
        next_cursor = cursors.seal(binding, { ...(page !== undefined ? { s: page } : {}), k: skip + limit });
      } else {
        const next = await nextPage(compiler, def, op, res.body, { where, ...(page !== undefined ? { page } : {}), count: raws.length, ...(limit !== undefined ? { limit } : {}) });
        if (typeof next === 'string' && op.pagination?.type === 'next_url') {
          const problem = continuationProblem(next, operationPath(def, op, st.cred.account, where));
          if (problem) return fail('provider_error', `${def.display_name} returned a next-page URL that ${problem}; the listing cannot continue`, res.status);
        }
        next_cursor = next === null ? null : cursors.seal(binding, { s: next });
      }
      if (req.include?.length) {
        const inc = await applyIncludes(def, compiler, resourceName, resource, data, req.include, (c, m, extra) => sendOp(st, resourceName, resource, asOperation(c), m, { extra }));
        if (inc.last) rl.info = normalizeRateLimit(def.rate_limit, inc.last.headers, { nowMs: opts.deps.clock.now() }) ?? rl.info;
        if (inc.error) return { ok: false, error: inc.error, rate_limit: rl.info, provider_requests: sent.count };
        if (inc.failed) return errorResult(def, inc.failed, rl, resource);
      }
      return { ok: true, data, next_cursor, rate_limit: rl.info, provider_requests: sent.count };
    }

    if (op.then_get) {
      const getOp = resource.get;
      if (!getOp) return fail('unsupported', `${where}.then_get needs resources.${resourceName}.get`);
      const id = await compiler.evaluate(op.then_get, res.body ?? {}, { id: req.id, vars: def.vars }, `${where}.then_get`, def.functions);
      if (typeof id !== 'string' || id === '') return fail('provider_error', `${def.display_name} did not return the id of the written ${resourceName} record`, res.status);
      const got = await call(getOp, 'get', id, undefined);
      rl.info = normalizeRateLimit(def.rate_limit, got.headers, { nowMs: opts.deps.clock.now() }) ?? rl.info;
      if (got.status >= 400) return errorResult(def, got, rl, resource);
      if (got.unparsable) return fail('provider_error', `${def.display_name} answered HTTP ${got.status} with a body that is not JSON`, got.status);
      const raw = await extractRecord(def, compiler, getOp, got.body, `${def.name} resources.${resourceName}.get`);
      if (raw === undefined || raw === null) return fail('not_found', `${def.display_name} has no ${resourceName} record ${id}`, got.status);
      return { ok: true, data: await mapRecord(def, compiler, resourceName, resource, raw, mapOpts), rate_limit: rl.info, provider_requests: sent.count };
    }
    const raw = await extractRecord(def, compiler, op, res.body, where);
    // A get answered by a query (Salesforce SOQL by Id) finds nothing rather than answering 404.
    if (req.method === 'get' && (raw === undefined || raw === null)) return fail('not_found', 'Record not found', res.status);
    return { ok: true, data: await mapRecord(def, compiler, resourceName, resource, raw, mapOpts), rate_limit: rl.info, provider_requests: sent.count };

    function fail(code: EngineErrorCode, message: string, status?: number, fields?: string[]): EngineResult {
      return { ok: false, error: { code, message, ...(status !== undefined ? { status } : {}), ...(fields ? { fields } : {}) }, rate_limit: rl.info, provider_requests: sent.count };
    }
  }

  /** Fields refused whatever their value (what tool descriptions name); value-dependent refusals are not listed. */
  function refusedAlways(op: Operation): { refused?: string[] } {
    const always = Object.entries(op.refuse ?? {}).flatMap(([f, r]) => (typeof r === 'string' ? [f] : []));
    return always.length ? { refused: always } : {};
  }

  /** The given input fields the operation's `refuse` rules out, with their reasons. */
  async function refusedFields(def: Definition, op: Operation, req: EngineRequest, where: string): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const [field, rule] of Object.entries(op.refuse ?? {})) {
      if (req.input?.[field] === undefined) continue;
      if (typeof rule === 'string') out[field] = rule;
      else if ((await compiler.evaluate(rule.when, req.input, { input: req.input, id: req.id, vars: def.vars, context: publicContext(req.account) }, `${where}.refuse.${field}.when`, def.functions)) === true) out[field] = rule.reason;
    }
    return out;
  }

  async function errorResult(def: Definition, res: RawResponse, rl: { info: RateLimitInfo | null }, resource?: Resource): Promise<EngineResult> {
    const cls = await classifyError(def, compiler, res);
    const error: EngineError = { code: cls.code, message: cls.message, status: res.status };
    if (cls.provider_code) error.provider_code = cls.provider_code;
    if (cls.fields) error.fields = toUnifiedFields(resource, cls.fields);
    if (cls.kind === 'expired_token') error.message = `${def.display_name} rejected the access token again after a refresh; reconnect the account`;
    if (cls.code === 'rate_limited') {
      let policy: string | null = null;
      if (def.rate_limit?.policy_from_body) {
        const p = await compiler.evaluate(def.rate_limit.policy_from_body, res.body ?? {}, { vars: def.vars }, `${def.name} rate_limit.policy_from_body`, def.functions).catch(() => undefined);
        if (typeof p === 'string') policy = p;
      }
      rl.info = normalizeRateLimit(def.rate_limit, res.headers, { nowMs: opts.deps.clock.now(), throttled: true, policy }) ?? {
        limit: null, remaining: 0, reset_seconds: null, retry_after_seconds: null, policy,
      };
      if (rl.info.retry_after_seconds != null) error.retry_after_seconds = rl.info.retry_after_seconds;
    }
    return { ok: false, error, rate_limit: rl.info, provider_requests: 0 };
  }

  return {
    async capabilities(account) {
      const def = resolve(account);
      const out: Capability[] = [];
      for (const r of UNIFIED_RESOURCES) {
        for (const m of UNIFIED_METHODS) {
          const op = def.resources[r]?.[m];
          if (!op) continue;
          const res = def.resources[r];
          const filtered = m === 'list' ? (res?.list_filtered ?? op) : undefined;
          const filters = filtered?.filters ?? [];
          const includes = m === 'list' || m === 'search' ? Object.keys(res?.includes ?? {}) : [];
          const note = [op.note, m === 'list' ? res?.list_filtered?.note : undefined].filter(Boolean).join('. ');
          out.push({
            resource: r, method: m, ...(op.required ? { required: op.required } : {}), ...(filters.length ? { filters } : {}), ...refusedAlways(op),
            ...(includes.length ? { includes } : {}), ...(note ? { note } : {}),
          });
        }
      }
      return out;
    },
    async describe(account, o = {}) {
      const sent = new Sent();
      const rl: { info: RateLimitInfo | null } = { info: null };
      try {
        const def = resolve(account);
        const st: CallState = { def, cred: await credential(account, def, sent), sent, ...(o.signal ? { signal: o.signal } : {}) };
        const r = await discovery.describe(def, account, async (resourceName, resource, c, where) => {
          const res = await sendOp(st, resourceName, resource, asOperation(c), where);
          rl.info = normalizeRateLimit(def.rate_limit, res.headers, { nowMs: opts.deps.clock.now() }) ?? rl.info;
          return res;
        }, o.refresh ?? false);
        return { ok: true, data: r.description, cached: r.cached, rate_limit: rl.info, provider_requests: sent.count, ...(sent.refreshed ? { token_refreshed: true } : {}) };
      } catch (e) {
        const code: EngineErrorCode = e instanceof CrmMcpError ? ERROR_TABLE[e.code].tool : 'provider_error';
        if (!(e instanceof CrmMcpError)) log.error('discovery failed unexpectedly', { error: (e as Error).message, integration: account.integration });
        return { ok: false, error: { code, message: e instanceof CrmMcpError ? e.message : 'discovery failed unexpectedly' }, rate_limit: rl.info, provider_requests: sent.count };
      }
    },
    schemaFacts(account) {
      let def: Definition;
      try {
        def = resolve(account);
      } catch {
        return { custom_fields: {} };
      }
      return schemaFactsOf(def, discovery.cached(def, account));
    },
    async execute(req) {
      if (req.idempotencyKey !== undefined && !req.dryRun && (req.method === 'create' || req.method === 'update')) {
        if (!idempotency) return { ok: false, error: { code: 'unsupported', message: 'idempotency_key needs a store this server was not given; call without it', fields: ['idempotency_key'] }, rate_limit: null, provider_requests: 0 };
        return idempotency.run(req, () => executeOnce(req));
      }
      return executeOnce(req);
    },
  };

  async function executeOnce(req: EngineRequest): Promise<EngineResult> {
    const sent = new Sent();
    const rl: { info: RateLimitInfo | null } = { info: null };
    try {
      const r: EngineResult = await run(req, sent, rl).then((o) => (o.ok ? o : { ...o, provider_requests: sent.count }));
      return sent.refreshed ? { ...r, token_refreshed: true } : r;
    } catch (e) {
      const code: EngineErrorCode = e instanceof CrmMcpError ? ERROR_TABLE[e.code].tool : 'provider_error';
      if (!(e instanceof CrmMcpError)) log.error('engine call failed unexpectedly', { error: (e as Error).message, integration: req.account.integration });
      const message = e instanceof CrmMcpError ? e.message : 'the provider call failed unexpectedly';
      return { ok: false, error: { code, message }, rate_limit: rl.info, provider_requests: sent.count, ...(sent.refreshed ? { token_refreshed: true } : {}) };
    }
  }
}
