/**
 * Fake Salesforce on loopback: one server is both the login host (`/services/oauth2/*`) and the
 * org instance (`/services/data/vXX.X/*`), so token responses carry `instance_url` = its own URL
 * (overridable, e.g. to a tampered host). Every REST answer after authentication carries
 * `Sforce-Limit-Info: api-usage=n/m` over a rolling 24 h window; an exhausted allocation answers
 * 403 REQUEST_LIMIT_EXCEEDED — never 429 (PROVIDERS.md §2).
 */
import { systemClock, type Clock, type Random } from '../../core/deps.js';
import { bearer, RequestLog, startLoopback, type IncomingCall, type Reply } from '../http.js';
import { FakeOAuthProvider } from '../oauth/provider.js';
import { routeOAuth } from '../oauth/server.js';
import type { FakeOAuthOptions } from '../oauth/types.js';
import { invalidSession, limitExceeded, notFound } from './errors.js';
import { runComposite } from './composite.js';
import { describeSObject } from './describe.js';
import { queryMore, resolveType, runQuery, sobject, type RestCtx } from './rest.js';
import type { FieldType, SfType } from './schema.js';
import { SalesforceStore, type SalesforceSeed } from './store.js';

export interface FakeSalesforceOptions {
  port?: number;
  clock?: Clock;
  random?: Random;
  /** OAuth behaviour (rotation, session TTL, PKCE, clients, instanceUrl, ...); the flavor is always salesforce. */
  oauth?: Omit<FakeOAuthOptions, 'flavor' | 'clock' | 'random'>;
  /** `false` → empty org. Default 40 accounts, 250 contacts, 60 opportunities, 30 notes, 20 tasks. */
  seed?: SalesforceSeed | false;
  /** Default `{ Contact: [{ name: 'Custom_Tier__c' }] }` (seeded on every third contact). */
  customFields?: Partial<Record<SfType, Array<{ name: string; type?: FieldType; label?: string; picklist?: readonly string[] }>>>;
  /** Daily org API allocation (`m` in api-usage=n/m). Default 15000. */
  apiLimit?: number;
  /** Records per SOQL batch when the client sends no batchSize header. Default 200. */
  queryBatchSize?: number;
  /**
   * Lower clamp for `Sforce-Query-Options: batchSize` (Salesforce: 200, so a client asking for
   * 100 gets 200). Tests wanting small pages through the header can lower it.
   */
  minQueryBatchSize?: number;
}

/** Rolling 24-hour API usage counter. */
export class ApiUsage {
  private stamps: number[] = [];
  private head = 0;

  constructor(public limit: number, private readonly now: () => number) {}

  get used(): number {
    const cutoff = this.now() - 86_400_000;
    while (this.head < this.stamps.length && (this.stamps[this.head] ?? 0) <= cutoff) this.head++;
    if (this.head > 1024) {
      this.stamps = this.stamps.slice(this.head);
      this.head = 0;
    }
    return this.stamps.length - this.head;
  }

  /** Pretends `n` calls were already made now (to test near-exhaustion). */
  setUsed(n: number): void {
    this.stamps = Array.from({ length: n }, () => this.now());
    this.head = 0;
  }

  record(): void {
    this.stamps.push(this.now());
  }
}

export interface FakeSalesforce {
  /** Login host and instance. */
  url: string;
  port: number;
  /** What token responses put in `instance_url` (settable through `oauth.settings.instanceUrl`). */
  instanceUrl: string;
  tokenUrl: string;
  authorizeUrl: string;
  introspectUrl: string;
  revokeUrl: string;
  apiVersion: string;
  oauth: FakeOAuthProvider;
  store: SalesforceStore;
  usage: ApiUsage;
  rest: RestCtx;
  log: RequestLog;
  close(): Promise<void>;
}

const DATA = /^\/services\/data\/(v(\d+)\.0)(\/.*)?$/;

export async function startFakeSalesforce(opts: FakeSalesforceOptions = {}): Promise<FakeSalesforce> {
  const clock = opts.clock ?? systemClock;
  const oauth = new FakeOAuthProvider({ ...opts.oauth, flavor: 'salesforce', clock, ...(opts.random ? { random: opts.random } : {}) });
  const store = new SalesforceStore(opts.customFields ?? { Contact: [{ name: 'Custom_Tier__c' }] });
  if (opts.seed !== false) store.seed(opts.seed ?? {});
  const usage = new ApiUsage(opts.apiLimit ?? 15_000, () => clock.now());
  let loc = 0;
  const rest: RestCtx = {
    store, now: () => clock.now(), batchSize: opts.queryBatchSize ?? 200, minBatchSize: opts.minQueryBatchSize ?? 200, cursors: new Map(),
    nextLocator: () => `01gFk${String(++loc).padStart(10, '0')}`,
  };
  const log = new RequestLog();

  const handle = async (call: IncomingCall): Promise<Reply> => {
    const o = await routeOAuth(oauth, call);
    if (o) return o;
    const path = call.url.pathname;
    if (path === '/services/data' || path === '/services/data/') {
      return { status: 200, json: [58, 59, 60, 61, 62, 63, 64, 65, 66].map((v) => ({ label: `Release ${v}`, url: `/services/data/v${v}.0`, version: `${v}.0` })) };
    }
    const m = DATA.exec(path);
    if (!m) return notFound();
    const token = bearer(call.headers);
    if (token === undefined || !oauth.isAccessTokenValid(token)) return invalidSession();
    const fault = oauth.faults.take('api');
    if (fault) return fault;
    const used = usage.used;
    const header = (n: number): Record<string, string> => ({ 'Sforce-Limit-Info': `api-usage=${n}/${usage.limit}` });
    if (used >= usage.limit) return { ...limitExceeded(), headers: header(used) };
    usage.record();
    const reply = route(call, m[1] ?? 'v62.0', Number(m[2]), m[3] ?? '/');
    return { ...reply, headers: { ...(reply.headers ?? {}), ...header(used + 1) } };
  };

  const route = (call: IncomingCall, version: string, major: number, rest_: string): Reply => {
    if (major < 20 || major > 68) return notFound();
    const q = call.url.searchParams;
    if ((rest_ === '/query' || rest_ === '/query/' || rest_ === '/queryAll') && call.method === 'GET') {
      const h = call.headers['sforce-query-options'];
      return runQuery(rest, version, q.get('q'), Array.isArray(h) ? h[0] : h);
    }
    const more = /^\/query(?:All)?\/([^/]+)$/.exec(rest_);
    if (more && call.method === 'GET') return queryMore(rest, version, decodeURIComponent(more[1] ?? ''));
    if ((rest_ === '/composite' || rest_ === '/composite/') && call.method === 'POST') {
      return runComposite(store, call.body, (method, url, body) => {
        const u = new URL(url, 'http://composite.invalid');
        const sub = DATA.exec(u.pathname);
        return sub ? route({ method, url: u, headers: {}, body }, sub[1] ?? version, Number(sub[2]), sub[3] ?? '/') : notFound();
      });
    }
    const desc = /^\/sobjects\/([A-Za-z_]+)\/describe\/?$/.exec(rest_);
    if (desc && call.method === 'GET') {
      const t = resolveType(desc[1] ?? '');
      return t ? describeSObject(store, t, version) : notFound();
    }
    const so = /^\/sobjects\/([A-Za-z_]+)(?:\/([^/]*))?\/?$/.exec(rest_);
    if (so) {
      const id = so[2] === undefined || so[2] === '' ? undefined : decodeURIComponent(so[2]);
      return sobject(rest, version, call.method, so[1] ?? '', id, call.body, q);
    }
    if (rest_ === '/limits' && call.method === 'GET') {
      return { status: 200, json: { DailyApiRequests: { Max: usage.limit, Remaining: Math.max(0, usage.limit - usage.used - 1) } } };
    }
    return notFound();
  };

  const srv = await startLoopback(handle, { port: opts.port, log, now: () => clock.now() });
  oauth.issuerUrl = srv.url;
  if (oauth.settings.instanceUrl === undefined) oauth.settings.instanceUrl = srv.url;
  return {
    url: srv.url,
    port: srv.port,
    get instanceUrl() {
      return oauth.settings.instanceUrl ?? srv.url;
    },
    tokenUrl: `${srv.url}/services/oauth2/token`,
    authorizeUrl: `${srv.url}/services/oauth2/authorize`,
    introspectUrl: `${srv.url}/services/oauth2/introspect`,
    revokeUrl: `${srv.url}/services/oauth2/revoke`,
    apiVersion: 'v62.0',
    oauth,
    store,
    usage,
    rest,
    log,
    close: srv.close,
  };
}
