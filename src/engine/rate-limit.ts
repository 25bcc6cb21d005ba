/**
 * Rate-limit normalization from the definition's declared headers (no per-provider code). The
 * IETF header view of the result is built where it crosses the wire (src/mcp/results.ts).
 */
import type { RateLimitSpec } from '../integrations/schema.js';
import type { RateLimitInfo } from './types.js';

export type HeaderBag = Record<string, string | string[] | undefined>;

function header(headers: HeaderBag, name: string | undefined): string | undefined {
  if (!name) return undefined;
  const v = headers[name.toLowerCase()] ?? headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function num(v: string | undefined): number | null {
  if (v === undefined || v.trim() === '') return null;
  const n = Number(v);
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

/**
 * Figures from one response's headers. Returns null when the spec is absent or no declared
 * header was present. `throttled` adds retry_after_seconds (Retry-After, else the reset).
 */
export function normalizeRateLimit(
  spec: RateLimitSpec | undefined,
  headers: HeaderBag,
  opts: { nowMs: number; throttled?: boolean; policy?: string | null },
): RateLimitInfo | null {
  if (!spec) return null;
  let limit = num(header(headers, spec.limit_header));
  let remaining = num(header(headers, spec.remaining_header));
  let reset = num(header(headers, spec.reset_seconds_header));
  const intervalMs = num(header(headers, spec.interval_ms_header));
  if (reset === null && intervalMs !== null) reset = Math.ceil(intervalMs / 1000);
  if (spec.usage_header) {
    const raw = header(headers, spec.usage_header.name);
    const m = raw === undefined ? null : new RegExp(spec.usage_header.regex).exec(raw);
    const used = num(m?.groups?.used);
    const lim = num(m?.groups?.limit);
    if (lim !== null) limit = lim;
    if (lim !== null && used !== null) remaining = Math.max(0, lim - used);
  }
  if (reset === null && spec.window_seconds !== undefined && (limit !== null || opts.throttled)) reset = spec.window_seconds;
  const retryAfter = opts.throttled ? (parseRetryAfter(header(headers, spec.retry_after_header), opts.nowMs) ?? reset) : undefined;
  if (limit === null && remaining === null && reset === null && retryAfter == null) return null;
  const info: RateLimitInfo = { limit, remaining, reset_seconds: reset, policy: opts.policy ?? spec.policy ?? null };
  if (opts.throttled) {
    info.retry_after_seconds = retryAfter ?? null;
    if (info.remaining === null) info.remaining = 0;
  }
  return info;
}
