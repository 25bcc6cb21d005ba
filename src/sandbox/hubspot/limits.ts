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

/**
 * The request times of one rolling window, ascending, oldest first. Pruning drops a prefix, so
 * it costs what it drops, not the window's size (at the bench's rates a window holds ~10⁴ times).
 */
class Window {
  private times: number[] = [];
  private head = 0;

  get size(): number {
    return this.times.length - this.head;
  }

  /** Forgets every time at or before `cutoff`. */
  prune(cutoff: number): void {
    const t = this.times;
    let h = this.head;
    while (h < t.length && t[h]! <= cutoff) h++;
    if (h > 1024 && h * 2 > t.length) {
      this.times = t.slice(h);
      h = 0;
    }
    this.head = h;
  }

  add(time: number): void {
    const t = this.times;
    if (t.length === this.head || t[t.length - 1]! <= time) {
      t.push(time);
      return;
    }
    // A clock that stepped back: keep the times sorted.
    let i = t.length;
    while (i > this.head && t[i - 1]! > time) i--;
    t.splice(i, 0, time);
  }
}

export class HubSpotLimiter {
  private readonly windows = new Map<string, Window>();
  private readonly search = new Map<string, Window>();
  private readonly daily = new Map<string, { day: number; count: number }>();

  constructor(readonly config: HubSpotRateLimit, private readonly now: () => number) {}

  /** Counts one request for `key`; returns a 429 reply, or the headers to add to the real reply. */
  take(key: string, opts: { search: boolean; privateApp: boolean }): { reject: Reply } | { headers: Record<string, string> } {
    const now = this.now();
    if (opts.search) {
      if (this.config.searchPerSecond === false) return { headers: {} };
      const w = windowOf(this.search, key, now, 1000);
      if (w.size >= this.config.searchPerSecond) return { reject: rateLimited('SECONDLY', {}) };
      w.add(now);
      return { headers: {} };
    }
    const w = windowOf(this.windows, key, now, this.config.intervalMs);
    const dailyMax = opts.privateApp ? this.config.dailyMax : undefined;
    const day = Math.floor(now / 86_400_000);
    let d = this.daily.get(key);
    if (!d || d.day !== day) {
      d = { day, count: 0 };
      this.daily.set(key, d);
    }
    if (dailyMax !== undefined && d.count >= dailyMax) return { reject: rateLimited('DAILY', this.headers(dailyMax, d.count, this.config.max - w.size)) };
    if (w.size >= this.config.max) return { reject: rateLimited('TEN_SECONDLY_ROLLING', this.headers(dailyMax, d.count, 0)) };
    w.add(now);
    d.count += 1;
    return { headers: this.headers(dailyMax, d.count, this.config.max - w.size) };
  }

  reset(): void {
    this.windows.clear();
    this.search.clear();
    this.daily.clear();
  }

  private headers(dailyMax: number | undefined, dailyCount: number, remaining: number): Record<string, string> {
    return {
      ...(dailyMax !== undefined ? { 'X-HubSpot-RateLimit-Daily': String(dailyMax), 'X-HubSpot-RateLimit-Daily-Remaining': String(Math.max(0, dailyMax - dailyCount)) } : {}),
      'X-HubSpot-RateLimit-Interval-Milliseconds': String(this.config.intervalMs),
      'X-HubSpot-RateLimit-Max': String(this.config.max),
      'X-HubSpot-RateLimit-Remaining': String(Math.max(0, remaining)),
    };
  }
}

/** `key`'s window in `m` (created empty), pruned to the `intervalMs` before `now`. */
function windowOf(m: Map<string, Window>, key: string, now: number, intervalMs: number): Window {
  let w = m.get(key);
  if (!w) {
    w = new Window();
    m.set(key, w);
  }
  w.prune(now - intervalMs);
  return w;
}
