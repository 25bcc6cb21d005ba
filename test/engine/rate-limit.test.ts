import { describe, expect, it } from 'vitest';
import { normalizeRateLimit, parseRetryAfter } from '../../src/engine/rate-limit.js';
import { rateLimitHeaders } from '../../src/mcp/results.js';
import { loadRegistry } from '../../src/integrations/index.js';

const reg = loadRegistry();
const now = Date.parse('2026-11-22T12:00:00Z');

describe('rate-limit normalization from declared headers', () => {
  it('HubSpot X-HubSpot-RateLimit-* → limit/remaining/reset (interval ms → seconds)', () => {
    const info = normalizeRateLimit(
      reg.get('hubspot').rate_limit,
      { 'x-hubspot-ratelimit-max': '100', 'x-hubspot-ratelimit-remaining': '42', 'x-hubspot-ratelimit-interval-milliseconds': '10000' },
      { nowMs: now },
    );
    expect(info).toEqual({ limit: 100, remaining: 42, reset_seconds: 10, policy: 'TEN_SECONDLY_ROLLING' });
    expect(rateLimitHeaders(info)).toEqual({ 'ratelimit-limit': '100', 'ratelimit-remaining': '42', 'ratelimit-reset': '10' });
  });

  it('HubSpot 429: retry-after from Retry-After, else the interval; policy from the body', () => {
    const spec = reg.get('hubspot').rate_limit;
    const h = { 'x-hubspot-ratelimit-max': '100', 'x-hubspot-ratelimit-remaining': '0', 'x-hubspot-ratelimit-interval-milliseconds': '10000' };
    expect(normalizeRateLimit(spec, { ...h, 'retry-after': '3' }, { nowMs: now, throttled: true, policy: 'SECONDLY' })).toEqual({
      limit: 100, remaining: 0, reset_seconds: 10, retry_after_seconds: 3, policy: 'SECONDLY',
    });
    const noHeader = normalizeRateLimit(spec, h, { nowMs: now, throttled: true });
    expect(noHeader?.retry_after_seconds).toBe(10);
    expect(rateLimitHeaders(noHeader)['retry-after']).toBe('10');
  });

  it('Salesforce Sforce-Limit-Info api-usage=n/m (with api-bursts) → remaining m-n, daily window', () => {
    const spec = reg.get('salesforce').rate_limit;
    expect(normalizeRateLimit(spec, { 'sforce-limit-info': 'api-usage=18/5000' }, { nowMs: now })).toEqual({
      limit: 5000, remaining: 4982, reset_seconds: 86400, policy: 'daily',
    });
    expect(normalizeRateLimit(spec, { 'sforce-limit-info': 'api-usage=750/750; api-bursts=1/750' }, { nowMs: now })?.remaining).toBe(0);
    expect(normalizeRateLimit(spec, {}, { nowMs: now })).toBeNull();
    expect(normalizeRateLimit(spec, { 'sforce-limit-info': 'garbage' }, { nowMs: now })).toBeNull();
  });

  it('Retry-After as an HTTP date; unparsable values ignored', () => {
    expect(parseRetryAfter('Sun, 22 Nov 2026 12:00:30 GMT', now)).toBe(30);
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(rateLimitHeaders(null)).toEqual({});
  });
});
