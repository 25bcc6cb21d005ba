/**
 * Fake HubSpot on loopback: OAuth (v1/v3/2026-03 token, authorize, introspect, revoke) and CRM
 * v3 objects with HubSpot's exact error bodies, rate-limit headers and 429s (PROVIDERS.md §1).
 */
import { systemClock, type Clock, type Random } from '../../core/deps.js';
import { bearer, RequestLog, startLoopback, type IncomingCall, type Reply } from '../http.js';
import { handleHubSpotAccessTokenInfo, handleHubSpotLegacyDelete, handleIntrospect, handleRevoke } from '../oauth/endpoints.js';
import { FakeOAuthProvider } from '../oauth/provider.js';
import { routeOAuth } from '../oauth/server.js';
import type { FakeOAuthOptions } from '../oauth/types.js';
import { expiredAuth, invalidAuth, validation } from './errors.js';
import { batchReadAssociations } from './associations.js';
import { HubSpotLimiter, type HubSpotRateLimit } from './limits.js';
import { RecordJson } from './record-json.js';
import { listProperties } from './properties.js';
import { archiveObject, createObject, getObject, listObjects, searchObjects, updateObject, type ObjectCtx } from './objects.js';
import { HS_TYPES, PIPELINES, type HsType } from './schema.js';
import { HubSpotStore, type HubSpotSeed } from './store.js';

export interface FakeHubSpotOptions {
  port?: number;
  clock?: Clock;
  random?: Random;
  /** OAuth behaviour (rotation, TTL, clients, ...); the flavor is always hubspot. */
  oauth?: Omit<FakeOAuthOptions, 'flavor' | 'clock' | 'random'>;
  /** Seeded data; `false` → empty portal. Default 250 contacts, 40 companies, 60 deals, 30 notes. */
  seed?: HubSpotSeed | false;
  rateLimit?: Partial<HubSpotRateLimit>;
  /** A private-app token (always valid; gets Daily headers when `rateLimit.dailyMax` is set). */
  privateAppToken?: string;
  customProperties?: Partial<Record<HsType, string[]>>;
  portalId?: number;
}

export interface FakeHubSpot {
  url: string;
  port: number;
  tokenUrl: string;
  authorizeUrl: string;
  introspectUrl: string;
  revokeUrl: string;
  oauth: FakeOAuthProvider;
  store: HubSpotStore;
  limiter: HubSpotLimiter;
  /** Every request (OAuth and CRM): method, path, status — never query strings or bodies. */
  log: RequestLog;
  close(): Promise<void>;
}

/** CRM v3 and the date-versioned twins (`/crm/objects/2026-03/…`, same shapes). */
const OBJECT_PATH = /^\/crm\/(?:v3\/objects|objects\/\d{4}-\d{2})\/([a-z]+)(?:\/([^/]+))?\/?$/;

export async function startFakeHubSpot(opts: FakeHubSpotOptions = {}): Promise<FakeHubSpot> {
  const clock = opts.clock ?? systemClock;
  const oauth = new FakeOAuthProvider({ ...opts.oauth, flavor: 'hubspot', clock, ...(opts.random ? { random: opts.random } : {}) });
  const store = new HubSpotStore();
  if (opts.seed !== false) store.seed(opts.seed ?? {});
  const limiter = new HubSpotLimiter({
    max: opts.rateLimit?.max ?? 100,
    intervalMs: opts.rateLimit?.intervalMs ?? 10_000,
    dailyMax: opts.rateLimit?.dailyMax,
    searchPerSecond: opts.rateLimit?.searchPerSecond ?? 4,
  }, () => clock.now());
  const ctx: ObjectCtx = { store, now: () => clock.now(), portalId: opts.portalId ?? 62515, custom: opts.customProperties ?? {}, recordJson: new RecordJson() };
  const log = new RequestLog();

  const handle = async (call: IncomingCall): Promise<Reply> => {
    const path = call.url.pathname;
    if (path === '/oauth/2026-03/token/introspect' && call.method === 'POST') return handleIntrospect(oauth, call);
    if (path === '/oauth/2026-03/token/revoke' && call.method === 'POST') return handleRevoke(oauth, call);
    const legacy = /^\/oauth\/v1\/refresh-tokens\/(.+)$/.exec(path);
    if (legacy && call.method === 'DELETE') return handleHubSpotLegacyDelete(oauth, decodeURIComponent(legacy[1] ?? ''));
    const info = /^\/oauth\/v1\/access-tokens\/(.+)$/.exec(path);
    if (info && call.method === 'GET') return handleHubSpotAccessTokenInfo(oauth, decodeURIComponent(info[1] ?? ''));
    const o = await routeOAuth(oauth, call);
    if (o) return o;

    const token = bearer(call.headers);
    let key: string;
    let privateApp = false;
    if (token !== undefined && opts.privateAppToken !== undefined && token === opts.privateAppToken) {
      key = 'private-app';
      privateApp = true;
    } else {
      const st = token === undefined ? ({ state: 'unknown' } as const) : oauth.checkAccessToken(token);
      if (st.state === 'expired') return expiredAuth(st.expiresAt, clock.now());
      if (st.state !== 'valid') return invalidAuth();
      key = st.grantId;
    }
    const fault = oauth.faults.take('api');
    if (fault) return fault;
    const m = OBJECT_PATH.exec(path);
    const isSearch = m?.[2] === 'search' && call.method === 'POST';
    const lim = limiter.take(key, { search: isSearch, privateApp });
    if ('reject' in lim) return lim.reject;
    const reply = route(call, m);
    return { ...reply, headers: { ...lim.headers, ...(reply.headers ?? {}) } };
  };

  const route = (call: IncomingCall, m: RegExpExecArray | null): Reply => {
    const path = call.url.pathname;
    if (/^\/crm\/(?:v3\/pipelines|pipelines\/\d{4}-\d{2})\/deals\/?$/.test(path) && call.method === 'GET') return { status: 200, json: { results: pipelines() } };
    const props = /^\/crm\/(?:v3\/properties|properties\/\d{4}-\d{2})\/([a-z]+)\/?$/.exec(path);
    if (props && call.method === 'GET') {
      const t = props[1] as HsType;
      if (!(HS_TYPES as readonly string[]).includes(t)) return { status: 400, json: { status: 'error', message: `Unable to infer object type from: ${t}`, correlationId: 'n/a', category: 'VALIDATION_ERROR' } };
      return listProperties(t, ctx.custom[t] ?? []);
    }
    const assoc = /^\/crm\/(?:v4\/associations|associations\/\d{4}-\d{2})\/([a-z]+)\/([a-z]+)\/batch\/read$/.exec(path);
    if (assoc && call.method === 'POST') {
      let body: unknown;
      try {
        body = JSON.parse(call.body);
      } catch {
        return validation('Invalid input JSON on line 1, column 1: Unexpected character');
      }
      return batchReadAssociations(store, assoc[1] ?? '', assoc[2] ?? '', body, new Date(clock.now()).toISOString());
    }
    if (!m) return { status: 404, json: { status: 'error', message: `Unable to infer object type from: ${path}`, correlationId: 'n/a', category: 'OBJECT_NOT_FOUND' } };
    const type = m[1] as HsType;
    if (!(HS_TYPES as readonly string[]).includes(type)) return { status: 400, json: { status: 'error', message: `Unable to infer object type from: ${type}`, correlationId: 'n/a', category: 'VALIDATION_ERROR' } };
    const id = m[2] === undefined ? undefined : decodeURIComponent(m[2]);
    let body: unknown;
    if (call.method === 'POST' || call.method === 'PATCH') {
      try {
        body = call.body === '' ? undefined : JSON.parse(call.body);
      } catch {
        return validation('Invalid input JSON on line 1, column 1: Unexpected character');
      }
    }
    const q = call.url.searchParams;
    if (id === undefined) {
      if (call.method === 'GET') return listObjects(ctx, type, q, path);
      if (call.method === 'POST') return createObject(ctx, type, body, path);
    } else if (id === 'search' && call.method === 'POST') return searchObjects(ctx, type, body);
    else {
      if (call.method === 'GET') return getObject(ctx, type, id, q);
      if (call.method === 'PATCH') return updateObject(ctx, type, id, body, q);
      if (call.method === 'DELETE') return archiveObject(ctx, type, id);
    }
    return { status: 405, json: { status: 'error', message: `HTTP ${call.method} is not supported by this endpoint`, correlationId: 'n/a', category: 'METHOD_NOT_ALLOWED' } };
  };

  const srv = await startLoopback(handle, { port: opts.port, log, now: () => clock.now() });
  oauth.issuerUrl = srv.url;
  return {
    url: srv.url,
    port: srv.port,
    tokenUrl: `${srv.url}/oauth/v3/token`,
    authorizeUrl: `${srv.url}/oauth/authorize`,
    introspectUrl: `${srv.url}/oauth/v3/token/introspect`,
    revokeUrl: `${srv.url}/oauth/v3/token/revoke`,
    oauth,
    store,
    limiter,
    log,
    close: srv.close,
  };
}

function pipelines(): Array<Record<string, unknown>> {
  return Object.entries(PIPELINES).map(([id, p], n) => ({
    id, label: p.label, displayOrder: n, archived: false, createdAt: '2020-06-30T15:57:37.277Z', updatedAt: '2020-06-30T15:57:37.277Z',
    stages: p.stages.map((s, i) => ({
      id: s.id, label: s.label, displayOrder: i, archived: false, writePermissions: 'CRM_PERMISSIONS_ENFORCEMENT',
      createdAt: '2020-06-30T15:57:37.277Z', updatedAt: '2020-06-30T15:57:37.277Z',
      metadata: { isClosed: String(s.id.startsWith('closed')), probability: s.id === 'closedwon' ? '1.0' : s.id === 'closedlost' ? '0.0' : String((i + 2) / 10) },
    })),
  }));
}
