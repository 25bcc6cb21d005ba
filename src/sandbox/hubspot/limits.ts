/**
 * HubSpot rate limiting: a rolling window per installing account (TEN_SECONDLY_ROLLING), an
 * optional daily budget (private apps only — OAuth apps get no Daily headers), and the search
 * API's separate per-second budget that sends no headers at all (PROVIDERS.md §1.3).
 */
import type { Reply } from '../http.js';
import { rateLimited } from './errors.js';

export interface HubSpotRateLimit {
  /** Requests per interval per account. Default 100. */
  max: number;
  /** Default 10000. */
  intervalMs: number;
  /** Daily budget for private-app tokens (undefined → none). */
  dailyMax: number | undefined;
  /** Search requests per second per token (false → unlimited). Default 4. */
  searchPerSecond: number | false;
}

export class HubSpotLimiter {
  private readonly windows = new Map<string, number[]>();
  private readonly search = new Map<string, number[]>();
  private readonly daily = new Map<string, { day: number; count: number }>();

  constructor(readonly config: HubSpotRateLimit, private readonly now: () => number) {}

  /** Counts one request for `key`; returns a 429 reply, or the headers to add to the real reply. */
  take(key: string, opts: { search: boolean; privateApp: boolean }): { reject: Reply } | { headers: Record<string, string> } {
    const now = this.now();
    if (opts.search) {
      if (this.config.searchPerSecond === false) return { headers: {} };
      const w = prune(this.search, key, now, 1000);
      if (w.length >= this.config.searchPerSecond) return { reject: rateLimited('SECONDLY', {}) };
      w.push(now);
      return { headers: {} };
    }
    const w = prune(this.windows, key, now, this.config.intervalMs);
    const dailyMax = opts.privateApp ? this.config.dailyMax : undefined;
    const day = Math.floor(now / 86_400_000);
    let d = this.daily.get(key);
    if (!d || d.day !== day) {
      d = { day, count: 0 };
      this.daily.set(key, d);
    }
    const headers = (remaining: number): Record<string, string> => ({
      ...(dailyMax !== undefined ? { 'X-HubSpot-RateLimit-Daily': String(dailyMax), 'X-HubSpot-RateLimit-Daily-Remaining': String(Math.max(0, dailyMax - d.count)) } : {}),
      'X-HubSpot-RateLimit-Interval-Milliseconds': String(this.config.intervalMs),
      'X-HubSpot-RateLimit-Max': String(this.config.max),
      'X-HubSpot-RateLimit-Remaining': String(Math.max(0, remaining)),
    });
    if (dailyMax !== undefined && d.count >= dailyMax) return { reject: rateLimited('DAILY', headers(this.config.max - w.length)) };
    if (w.length >= this.config.max) return { reject: rateLimited('TEN_SECONDLY_ROLLING', headers(0)) };
    w.push(now);
    d.count += 1;
    return { headers: headers(this.config.max - w.length) };
  }

  reset(): void {
    this.windows.clear();
    this.search.clear();
    this.daily.clear();
  }
}

function prune(m: Map<string, number[]>, key: string, now: number, intervalMs: number): number[] {
  const w = (m.get(key) ?? []).filter((t) => t > now - intervalMs);
  m.set(key, w);
  return w;
}
