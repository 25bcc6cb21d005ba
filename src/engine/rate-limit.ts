/**
 * Rate-limit normalization. Standard headers first: the IETF `RateLimit` / `RateLimit-Policy`
 * structured fields (draft-ietf-httpapi-ratelimit-headers, RFC 9651 lists parsed by
 * `structured-headers`: several policies, `q` `w` `qu` `r` `t` `pk`) are always read. Then the
 * formats the definition declares (`rate_limit.format`, default the older `RateLimit-Limit/
 * -Remaining/-Reset` trio and `X-RateLimit-*`), then its custom header names. The first source
 * that yields any policy is the one reported.
 *
 * With several policies, `limit`/`remaining`/`reset_seconds` describe the most constraining one
 * (fewest requests remaining; on a tie, the longer wait; a throttled body naming a policy wins)
 * and `policies` lists all. The IETF view for `_meta` and HTTP headers is `ietfFields`.
 */
import { parseList, serializeList, Token, type BareItem, type Item } from 'structured-headers';
import type { RateLimitFormat, RateLimitSpec } from '../integrations/schema.js';
import { compileRe2 } from '../integrations/regex.js';
import type { RateLimitInfo, RateLimitPolicy } from './types.js';

export type HeaderBag = Record<string, string | string[] | undefined>;

const DEFAULT_FORMATS: RateLimitFormat[] = ['ratelimit', 'x-ratelimit'];

/**
 * The bag with every name in lower case, so a lookup is one read: itself when its names already
 * are (undici's always are). Otherwise a lower-case name the bag has wins over a differently cased
 * one; among those, the last.
 */
function lowerCased(headers: HeaderBag): HeaderBag {
  const keys = Object.keys(headers);
  if (keys.every((k) => k === k.toLowerCase())) return headers;
  const out: HeaderBag = {};
  for (const k of keys) {
    const lower = k.toLowerCase();
    if (lower === k || headers[lower] === undefined) out[lower] = headers[k];
  }
  return out;
}

/** A header value from a lower-cased bag; repeated fields are joined with ", " (how RFC 9651 lists continue across lines). */
function header(headers: HeaderBag, name: string | undefined): string | undefined {
  if (!name) return undefined;
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v.join(', ') : v;
}

function num(v: string | undefined): number | null {
  if (v === undefined || v.trim() === '') return null;
  const n = Number(v.trim().replace(/,/g, ''));
  return Number.isFinite(n) && n >= 0 ? n : null;
}

/** Retry-After as seconds: delta-seconds or an HTTP date relative to `nowMs`. */
export function parseRetryAfter(v: string | undefined, nowMs: number): number | null {
  if (v === undefined) return null;
  const n = num(v);
  if (n !== null) return Math.ceil(n);
  const t = Date.parse(v);
  return Number.isNaN(t) ? null : Math.max(0, Math.ceil((t - nowMs) / 1000));
}

/** A reset value in delta seconds, or (X-RateLimit-Reset as some APIs send it) an epoch in seconds or ms. */
function resetSeconds(v: number | null, nowMs: number): number | null {
  if (v === null) return null;
  if (v > 1e12) return Math.max(0, Math.ceil((v - nowMs) / 1000));
  if (v > 1e9) return Math.max(0, Math.ceil(v - nowMs / 1000));
  return v;
}

const policy = (p: Partial<RateLimitPolicy>): RateLimitPolicy => ({ name: null, limit: null, remaining: null, reset_seconds: null, ...p });

function list(v: string | undefined): Array<[BareItem, Map<string, BareItem>]> {
  if (v === undefined) return [];
  try {
    return parseList(v).filter((m): m is Item => !Array.isArray(m[0]));
  } catch {
    return []; // not a valid structured field: ignored, like an absent one
  }
}

const int = (v: BareItem | undefined): number | null => (typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : null);
const nameOf = (v: BareItem): string | null => (typeof v === 'string' ? v : v instanceof Token ? v.toString() : null);
const b64 = (v: BareItem | undefined): string | undefined => (v instanceof ArrayBuffer ? Buffer.from(v).toString('base64') : undefined);

/** IETF `RateLimit` (service limits) joined by name with `RateLimit-Policy` (quota policies). */
function ietf(h: HeaderBag): RateLimitPolicy[] {
  const quotas = new Map<string, Map<string, BareItem>>();
  for (const [v, params] of list(header(h, 'ratelimit-policy'))) {
    const name = nameOf(v);
    if (name !== null) quotas.set(name, params);
  }
  const out: RateLimitPolicy[] = [];
  const seen = new Set<string>();
  for (const [v, params] of list(header(h, 'ratelimit'))) {
    const name = nameOf(v);
    const r = int(params.get('r'));
    if (name === null || r === null) continue; // `r` is required: an item without it says nothing
    seen.add(name);
    const q = quotas.get(name);
    const pk = b64(params.get('pk')) ?? b64(q?.get('pk'));
    const unit = q?.get('qu');
    out.push(policy({
      name, limit: int(q?.get('q')), remaining: r, reset_seconds: int(params.get('t')), window_seconds: int(q?.get('w')),
      ...(typeof unit === 'string' ? { unit } : {}), ...(pk ? { partition_key: pk } : {}),
    }));
  }
  for (const [name, q] of quotas) {
    if (seen.has(name) || int(q.get('q')) === null) continue;
    const pk = b64(q.get('pk'));
    const unit = q.get('qu');
    out.push(policy({ name, limit: int(q.get('q')), window_seconds: int(q.get('w')), ...(typeof unit === 'string' ? { unit } : {}), ...(pk ? { partition_key: pk } : {}) }));
  }
  return out;
}

/** The older drafts' trio; `RateLimit-Limit` may be a list whose first item is the limit (`100, 100;w=60`). */
function ratelimitTrio(h: HeaderBag, nowMs: number): RateLimitPolicy[] {
  const first = list(header(h, 'ratelimit-limit'))[0];
  const limit = first ? int(first[0]) : num(header(h, 'ratelimit-limit'));
  const remaining = num(header(h, 'ratelimit-remaining'));
  const reset = resetSeconds(num(header(h, 'ratelimit-reset')), nowMs);
  if (limit === null && remaining === null && reset === null) return [];
  const w = first ? int(first[1].get('w')) : null;
  return [policy({ limit, remaining, reset_seconds: reset, ...(w !== null ? { window_seconds: w } : {}) })];
}

function xRateLimit(h: HeaderBag, nowMs: number): RateLimitPolicy[] {
  const limit = num(header(h, 'x-ratelimit-limit'));
  const remaining = num(header(h, 'x-ratelimit-remaining'));
  const reset = resetSeconds(num(header(h, 'x-ratelimit-reset')), nowMs);
  return limit === null && remaining === null && reset === null ? [] : [policy({ limit, remaining, reset_seconds: reset })];
}

const HUBSPOT_INTERVALS: Record<number, string> = { 1000: 'SECONDLY', 10000: 'TEN_SECONDLY_ROLLING' };

/** HubSpot: the rolling interval (`-Max`/`-Remaining`/`-Interval-Milliseconds`), `-Daily(-Remaining)`, legacy `-Secondly(-Remaining)`. */
function hubspot(h: HeaderBag): RateLimitPolicy[] {
  const out: RateLimitPolicy[] = [];
  const get = (s: string) => num(header(h, `x-hubspot-ratelimit-${s}`));
  const interval = get('interval-milliseconds');
  const max = get('max');
  const remaining = get('remaining');
  if (max !== null || remaining !== null) {
    const secs = interval === null ? null : Math.ceil(interval / 1000);
    out.push(policy({ name: interval === null ? 'interval' : (HUBSPOT_INTERVALS[interval] ?? `${interval}ms`), limit: max, remaining, reset_seconds: secs, window_seconds: secs }));
  }
  if (get('secondly') !== null || get('secondly-remaining') !== null) out.push(policy({ name: 'SECONDLY', limit: get('secondly'), remaining: get('secondly-remaining'), reset_seconds: 1, window_seconds: 1 }));
  if (get('daily') !== null || get('daily-remaining') !== null) out.push(policy({ name: 'DAILY', limit: get('daily'), remaining: get('daily-remaining'), window_seconds: 86400 }));
  return out;
}

/** Salesforce `Sforce-Limit-Info: api-usage=18/5000[; api-bursts=1/750][, per-app-api-usage=17/250(appName=x)]`: used/limit per 24 h. */
function salesforce(h: HeaderBag): RateLimitPolicy[] {
  const v = header(h, 'sforce-limit-info');
  if (v === undefined) return [];
  const out: RateLimitPolicy[] = [];
  for (const part of v.split(/[;,]/)) {
    const eq = part.indexOf('=');
    const slash = part.indexOf('/', eq);
    if (eq < 0 || slash < 0) continue;
    const used = num(part.slice(eq + 1, slash));
    const limit = num(part.slice(slash + 1).replace(/\(.*$/, ''));
    if (used === null || limit === null) continue;
    out.push(policy({ name: part.slice(0, eq).trim(), limit, remaining: Math.max(0, limit - used), reset_seconds: 86400, window_seconds: 86400 }));
  }
  return out;
}

/** Pipedrive: the 2-second burst window as `X-RateLimit-*`, plus `X-Daily-Requests-Left`. */
function pipedrive(h: HeaderBag, nowMs: number): RateLimitPolicy[] {
  const out: RateLimitPolicy[] = xRateLimit(h, nowMs).map((p) => ({ ...p, name: 'burst' }));
  const daily = num(header(h, 'x-daily-requests-left'));
  if (daily !== null) out.push(policy({ name: 'daily', remaining: daily, window_seconds: 86400 }));
  return out;
}

/** Dataverse service protection: requests and execution time left in the 5-minute window (limits not sent). */
function dynamics(h: HeaderBag): RateLimitPolicy[] {
  const out: RateLimitPolicy[] = [];
  const burst = num(header(h, 'x-ms-ratelimit-burst-remaining-xrm-requests'));
  const time = num(header(h, 'x-ms-ratelimit-time-remaining-xrm-requests'));
  if (burst !== null) out.push(policy({ name: 'requests', remaining: burst, window_seconds: 300 }));
  if (time !== null) out.push(policy({ name: 'execution-time', remaining: time, window_seconds: 300, unit: 'execution-time' }));
  return out;
}

const READERS: Record<RateLimitFormat, (h: HeaderBag, nowMs: number) => RateLimitPolicy[]> = {
  ietf,
  ratelimit: ratelimitTrio,
  'x-ratelimit': xRateLimit,
  hubspot,
  salesforce,
  pipedrive,
  dynamics,
};

/** The definition's own header names (limit/remaining/reset/interval, or a used/limit usage header). */
function custom(spec: RateLimitSpec, h: HeaderBag, nowMs: number): RateLimitPolicy[] {
  let limit = num(header(h, spec.limit_header));
  let remaining = num(header(h, spec.remaining_header));
  let reset = resetSeconds(num(header(h, spec.reset_seconds_header)), nowMs);
  const intervalMs = num(header(h, spec.interval_ms_header));
  if (reset === null && intervalMs !== null) reset = Math.ceil(intervalMs / 1000);
  if (spec.usage_header) {
    const raw = header(h, spec.usage_header.name);
    const m = raw === undefined ? null : (compileRe2(spec.usage_header.regex, '').exec(raw) as (unknown[] & { groups?: Record<string, string | undefined> }) | null);
    const groups = m?.groups ?? {};
    const used = num(groups.used);
    const lim = num(groups.limit);
    if (lim !== null) limit = lim;
    if (lim !== null && used !== null) remaining = Math.max(0, lim - used);
  }
  if (reset === null && spec.window_seconds !== undefined && limit !== null) reset = spec.window_seconds;
  if (limit === null && remaining === null && reset === null) return [];
  return [policy({ name: spec.policy ?? null, limit, remaining, reset_seconds: reset, ...(spec.window_seconds ? { window_seconds: spec.window_seconds } : {}) })];
}

const hasCustom = (s: RateLimitSpec | undefined): boolean =>
  Boolean(s && (s.limit_header || s.remaining_header || s.reset_seconds_header || s.interval_ms_header || s.usage_header));

/** The policies one response reports: IETF first, then the declared formats, then the custom headers. */
function readPolicies(spec: RateLimitSpec | undefined, headers: HeaderBag, nowMs: number): RateLimitPolicy[] {
  const declared = spec?.format === undefined ? (hasCustom(spec) ? [] : DEFAULT_FORMATS) : Array.isArray(spec.format) ? spec.format : [spec.format];
  for (const f of ['ietf' as const, ...declared.filter((f) => f !== 'ietf')]) {
    const found = READERS[f](headers, nowMs);
    if (found.length > 0) return found;
  }
  return spec && hasCustom(spec) ? custom(spec, headers, nowMs) : [];
}

/** Fewest requests remaining (unknown counts as plenty); on a tie the longer reset; `preferred` by name wins. */
function mostConstraining(policies: RateLimitPolicy[], preferred?: string | null): RateLimitPolicy | undefined {
  const named = preferred ? policies.find((p) => p.name === preferred) : undefined;
  if (named) return named;
  const requests = policies.filter((p) => p.unit === undefined || p.unit === 'requests');
  const pool = requests.length > 0 ? requests : policies;
  return [...pool].sort((a, b) => (a.remaining ?? Infinity) - (b.remaining ?? Infinity) || (b.reset_seconds ?? 0) - (a.reset_seconds ?? 0))[0];
}

/**
 * Figures from one response's headers, or null when none were sent. `throttled` adds
 * retry_after_seconds (Retry-After, else the reset) and counts an unknown remaining as 0.
 */
export function normalizeRateLimit(
  spec: RateLimitSpec | undefined,
  headers: HeaderBag,
  opts: { nowMs: number; throttled?: boolean; policy?: string | null },
): RateLimitInfo | null {
  headers = lowerCased(headers);
  const policies = readPolicies(spec, headers, opts.nowMs);
  const pick = mostConstraining(policies, opts.policy);
  const retryAfter = opts.throttled ? (parseRetryAfter(header(headers, spec?.retry_after_header ?? 'retry-after'), opts.nowMs) ?? pick?.reset_seconds ?? null) : undefined;
  if (!pick && retryAfter == null) return null;
  const info: RateLimitInfo = {
    limit: pick?.limit ?? null,
    remaining: pick?.remaining ?? null,
    reset_seconds: pick?.reset_seconds ?? null,
    policy: opts.policy ?? pick?.name ?? spec?.policy ?? null,
  };
  if (policies.length > 0) info.policies = policies;
  if (opts.throttled) {
    info.retry_after_seconds = retryAfter ?? null;
    if (info.remaining === null) info.remaining = 0;
  }
  return info;
}

/** The IETF fields (`RateLimit`, `RateLimit-Policy`) describing every policy, serialized per RFC 9651. */
export function ietfFields(info: RateLimitInfo | null | undefined): { ratelimit?: string; 'ratelimit-policy'?: string } {
  const policies = info?.policies ?? (info && (info.limit != null || info.remaining != null) ? [policy({ name: info.policy ?? null, limit: info.limit, remaining: info.remaining, reset_seconds: info.reset_seconds })] : []);
  const pk = (p: RateLimitPolicy): Array<[string, BareItem]> => (p.partition_key ? [['pk', Uint8Array.from(Buffer.from(p.partition_key, 'base64')).buffer]] : []);
  const limits: Item[] = policies
    .filter((p) => p.remaining != null)
    .map((p) => [p.name ?? 'default', new Map<string, BareItem>([['r', Math.floor(p.remaining!)], ...(p.reset_seconds != null ? [['t', Math.max(0, Math.ceil(p.reset_seconds))] as [string, BareItem]] : []), ...pk(p)])]);
  const quotas: Item[] = policies
    .filter((p) => p.limit != null)
    .map((p) => [
      p.name ?? 'default',
      new Map<string, BareItem>([
        ['q', Math.floor(p.limit!)],
        ...(p.unit && p.unit !== 'requests' ? [['qu', p.unit] as [string, BareItem]] : []),
        ...(p.window_seconds ? [['w', Math.ceil(p.window_seconds)] as [string, BareItem]] : []),
        ...pk(p),
      ]),
    ]);
  return { ...(limits.length ? { ratelimit: serializeList(limits) } : {}), ...(quotas.length ? { 'ratelimit-policy': serializeList(quotas) } : {}) };
}
