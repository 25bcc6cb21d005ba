/**
 * Rate-limit parsing, one row per header format, with header values as each provider documents
 * them (PROVIDERS.md; the IETF draft's own examples). Every row describes the same state — 100
 * requests per window, 42 left, 7 s to go — and must normalize to the same `rate_limit` and the
 * same IETF `_meta` fields; the provider-specific extras (policy names, further policies) are
 * asserted on their own rows.
 */
import { describe, expect, it } from 'vitest';
import { ietfFields, normalizeRateLimit, parseRetryAfter } from '../../src/engine/rate-limit.js';
import { loadRegistry, type RateLimitSpec } from '../../src/integrations/index.js';
import { rateLimitHeaders } from '../../src/mcp/results.js';

const reg = loadRegistry();
const now = Date.parse('2026-11-22T12:00:00Z');
const SAME = { limit: 100, remaining: 42, reset_seconds: 7 };

interface Row {
  format: string;
  spec: RateLimitSpec | undefined;
  headers: Record<string, string | string[]>;
  policy: string | null;
}

const spec = (format: RateLimitSpec['format']): RateLimitSpec => ({ format, retry_after_header: 'retry-after' });

const ROWS: Row[] = [
  { format: 'IETF RateLimit + RateLimit-Policy (no rate_limit block at all)', spec: undefined, headers: { ratelimit: '"default";r=42;t=7', 'ratelimit-policy': '"default";q=100;w=10' }, policy: 'default' },
  { format: 'IETF, the fields split over two header lines', spec: undefined, headers: { ratelimit: ['"burst";r=42;t=7', '"daily";r=900;t=40000'], 'ratelimit-policy': '"burst";q=100;w=10, "daily";q=1000;w=86400' }, policy: 'burst' },
  { format: 'older drafts: RateLimit-Limit/-Remaining/-Reset', spec: undefined, headers: { 'ratelimit-limit': '100', 'ratelimit-remaining': '42', 'ratelimit-reset': '7' }, policy: null },
  { format: 'older drafts with a policy list in RateLimit-Limit', spec: spec('ratelimit'), headers: { 'ratelimit-limit': '100, 100;w=10, 1000;w=3600', 'ratelimit-remaining': '42', 'ratelimit-reset': '7' }, policy: null },
  { format: 'X-RateLimit-* (reset in seconds)', spec: undefined, headers: { 'x-ratelimit-limit': '100', 'x-ratelimit-remaining': '42', 'x-ratelimit-reset': '7' }, policy: null },
  { format: 'X-RateLimit-* (reset as an epoch second)', spec: spec('x-ratelimit'), headers: { 'X-RateLimit-Limit': '100', 'X-RateLimit-Remaining': '42', 'X-RateLimit-Reset': String(now / 1000 + 7) }, policy: null },
  { format: 'HubSpot X-HubSpot-RateLimit-* (7 s interval)', spec: spec('hubspot'), headers: { 'x-hubspot-ratelimit-max': '100', 'x-hubspot-ratelimit-remaining': '42', 'x-hubspot-ratelimit-interval-milliseconds': '7000' }, policy: '7000ms' },
  { format: 'Pipedrive x-ratelimit-* + x-daily-requests-left', spec: spec('pipedrive'), headers: { 'x-ratelimit-limit': '100', 'x-ratelimit-remaining': '42', 'x-ratelimit-reset': '7', 'x-daily-requests-left': '9000' }, policy: 'burst' },
  { format: 'the definition\'s own header names', spec: { limit_header: 'X-Acme-Quota', remaining_header: 'X-Acme-Left', reset_seconds_header: 'X-Acme-Reset', policy: 'acme', retry_after_header: 'retry-after' }, headers: { 'x-acme-quota': '100', 'x-acme-left': '42', 'x-acme-reset': '7' }, policy: 'acme' },
];

describe('rate-limit headers: every format → the same normalized figures and IETF fields', () => {
  for (const row of ROWS) {
    it(row.format, () => {
      const info = normalizeRateLimit(row.spec, row.headers, { nowMs: now });
      expect(info).toMatchObject({ ...SAME, policy: row.policy });
      const meta = rateLimitHeaders(info);
      expect(meta).toMatchObject({ 'ratelimit-limit': '100', 'ratelimit-remaining': '42', 'ratelimit-reset': '7' });
      expect(meta.ratelimit).toMatch(new RegExp(`^"${row.policy ?? 'default'}";r=42;t=7(,|$)`));
      expect(meta['ratelimit-policy']).toMatch(new RegExp(`^"${row.policy ?? 'default'}";q=100(;w=\\d+)?(,|$)`));
    });
  }

  it('a provider sending only the IETF fields gets limit, remaining and reset_seconds all filled (the case that used to give remaining: null)', () => {
    const info = normalizeRateLimit(reg.get('hubspot').rate_limit, { ratelimit: '"default";r=999;t=39', 'ratelimit-policy': '"default";q=1000;w=60' }, { nowMs: now });
    expect(info).toEqual({ limit: 1000, remaining: 999, reset_seconds: 39, policy: 'default', policies: [{ name: 'default', limit: 1000, remaining: 999, reset_seconds: 39, window_seconds: 60 }] });
  });

  it('several policies: the most constraining one is reported and all are listed; q/w/qu/pk survive the round trip', () => {
    const h = {
      'ratelimit-policy': '"permin";q=50;w=60, "perhr";q=1000;w=3600, "bytes";q=65535;qu="content-bytes";w=10;pk=:dHJpYWwxMjEzMjM=:',
      ratelimit: '"permin";r=40;t=12, "perhr";r=3;t=1800, "bytes";r=1000;t=5;pk=:dHJpYWwxMjEzMjM=:',
    };
    const info = normalizeRateLimit(undefined, h, { nowMs: now });
    expect(info).toMatchObject({ limit: 1000, remaining: 3, reset_seconds: 1800, policy: 'perhr' });
    expect(info?.policies?.map((p) => p.name)).toEqual(['permin', 'perhr', 'bytes']);
    expect(info?.policies?.[2]).toEqual({ name: 'bytes', limit: 65535, remaining: 1000, reset_seconds: 5, window_seconds: 10, unit: 'content-bytes', partition_key: 'dHJpYWwxMjEzMjM=' });
    expect(ietfFields(info)).toEqual({
      ratelimit: '"permin";r=40;t=12, "perhr";r=3;t=1800, "bytes";r=1000;t=5;pk=:dHJpYWwxMjEzMjM=:',
      'ratelimit-policy': '"permin";q=50;w=60, "perhr";q=1000;w=3600, "bytes";q=65535;qu="content-bytes";w=10;pk=:dHJpYWwxMjEzMjM=:',
    });
    // A throttled body naming a policy picks that one.
    expect(normalizeRateLimit(undefined, h, { nowMs: now, throttled: true, policy: 'permin' })).toMatchObject({ limit: 50, remaining: 40, retry_after_seconds: 12, policy: 'permin' });
    // On a tie in what is left, the longer wait is the more constraining.
    expect(normalizeRateLimit(undefined, { ratelimit: '"a";r=5;t=1, "b";r=5;t=60' }, { nowMs: now })?.policy).toBe('b');
  });

  it('IETF wins over the other formats when both are sent; a malformed structured field is ignored, not guessed at', () => {
    const both = { ratelimit: '"std";r=1;t=2', 'ratelimit-policy': '"std";q=10;w=2', 'x-ratelimit-limit': '100', 'x-ratelimit-remaining': '42' };
    expect(normalizeRateLimit(undefined, both, { nowMs: now })).toMatchObject({ limit: 10, remaining: 1, policy: 'std' });
    expect(normalizeRateLimit(undefined, { ratelimit: 'default;r=;;', 'x-ratelimit-limit': '100', 'x-ratelimit-remaining': '42' }, { nowMs: now })?.policies).toEqual([{ name: null, limit: 100, remaining: 42, reset_seconds: null }]);
    expect(normalizeRateLimit(undefined, { ratelimit: '"x";r=-1' }, { nowMs: now })).toBeNull();
  });
});

describe('the examples each source documents, as given', () => {
  const cases: Array<[string, RateLimitSpec | undefined, Record<string, string>, Record<string, unknown>]> = [
    ['IETF draft §4.2: RateLimit "default";r=50;t=30 with §3.2 RateLimit-Policy "default";q=100;w=10', undefined, { ratelimit: '"default";r=50;t=30', 'ratelimit-policy': '"default";q=100;w=10' }, { limit: 100, remaining: 50, reset_seconds: 30, policy: 'default' }],
    ['IETF draft §4.2: a partition key and no time window', undefined, { ratelimit: '"default";r=999;pk=:dHJpYWwxMjEzMjM=:' }, { limit: null, remaining: 999, reset_seconds: null, policy: 'default' }],
    ['Pipedrive "Rate limiting": x-ratelimit-limit 40, -remaining 39, -reset 2', spec('pipedrive'), { 'x-ratelimit-limit': '40', 'x-ratelimit-remaining': '39', 'x-ratelimit-reset': '2' }, { limit: 40, remaining: 39, reset_seconds: 2, policy: 'burst' }],
    ['HubSpot usage guidelines: OAuth app, 100 per 10 s', reg.get('hubspot').rate_limit, { 'x-hubspot-ratelimit-max': '100', 'x-hubspot-ratelimit-remaining': '99', 'x-hubspot-ratelimit-interval-milliseconds': '10000' }, { limit: 100, remaining: 99, reset_seconds: 10, policy: 'TEN_SECONDLY_ROLLING' }],
    ['Salesforce "Limit Info Header": api-usage=18/5000', reg.get('salesforce').rate_limit, { 'sforce-limit-info': 'api-usage=18/5000' }, { limit: 5000, remaining: 4982, reset_seconds: 86400, policy: 'api-usage' }],
  ];
  it.each(cases)('%s', (_name, s, headers, expected) => {
    expect(normalizeRateLimit(s, headers, { nowMs: now })).toMatchObject(expected);
  });
});

describe('provider formats with more than one policy', () => {
  it('HubSpot (shipped definition): the 10-second rolling window, the daily budget of a private app, legacy secondly', () => {
    const info = normalizeRateLimit(
      reg.get('hubspot').rate_limit,
      {
        'x-hubspot-ratelimit-max': '190', 'x-hubspot-ratelimit-remaining': '187', 'x-hubspot-ratelimit-interval-milliseconds': '10000',
        'x-hubspot-ratelimit-daily': '625000', 'x-hubspot-ratelimit-daily-remaining': '120', 'x-hubspot-ratelimit-secondly': '19', 'x-hubspot-ratelimit-secondly-remaining': '18',
      },
      { nowMs: now },
    );
    expect(info).toMatchObject({ limit: 19, remaining: 18, reset_seconds: 1, policy: 'SECONDLY' });
    expect(info?.policies?.map((p) => [p.name, p.limit, p.remaining])).toEqual([['TEN_SECONDLY_ROLLING', 190, 187], ['SECONDLY', 19, 18], ['DAILY', 625000, 120]]);
  });

  it('HubSpot 429: retry-after from Retry-After, else the interval; the policy from the body picks the figures', () => {
    const s = reg.get('hubspot').rate_limit;
    const h = { 'x-hubspot-ratelimit-max': '100', 'x-hubspot-ratelimit-remaining': '0', 'x-hubspot-ratelimit-interval-milliseconds': '10000' };
    expect(normalizeRateLimit(s, { ...h, 'retry-after': '3' }, { nowMs: now, throttled: true, policy: 'TEN_SECONDLY_ROLLING' })).toMatchObject({
      limit: 100, remaining: 0, reset_seconds: 10, retry_after_seconds: 3, policy: 'TEN_SECONDLY_ROLLING',
    });
    const noHeader = normalizeRateLimit(s, h, { nowMs: now, throttled: true });
    expect(noHeader?.retry_after_seconds).toBe(10);
    expect(rateLimitHeaders(noHeader)['retry-after']).toBe('10');
  });

  it('Salesforce Sforce-Limit-Info (shipped definition): api-usage n/m, api-bursts, per-app usage; the tightest is reported', () => {
    const s = reg.get('salesforce').rate_limit;
    expect(normalizeRateLimit(s, { 'sforce-limit-info': 'api-usage=18/5000' }, { nowMs: now })).toMatchObject({ limit: 5000, remaining: 4982, reset_seconds: 86400, policy: 'api-usage' });
    expect(normalizeRateLimit(s, { 'sforce-limit-info': 'api-usage=750/750; api-bursts=1/750' }, { nowMs: now })).toMatchObject({ remaining: 0, policy: 'api-usage' });
    const perApp = normalizeRateLimit(s, { 'sforce-limit-info': 'api-usage=25/5000, per-app-api-usage=17/250(appName=sample-connected-app)' }, { nowMs: now });
    expect(perApp).toMatchObject({ limit: 250, remaining: 233, policy: 'per-app-api-usage' });
    expect(normalizeRateLimit(s, {}, { nowMs: now })).toBeNull();
    expect(normalizeRateLimit(s, { 'sforce-limit-info': 'garbage' }, { nowMs: now })).toBeNull();
  });

  it('Dataverse: requests left in the 5-minute window (no limit sent) and execution time, which is never "the most constraining"', () => {
    const info = normalizeRateLimit(spec('dynamics'), { 'x-ms-ratelimit-burst-remaining-xrm-requests': '5999', 'x-ms-ratelimit-time-remaining-xrm-requests': '1,199,999.00' }, { nowMs: now });
    expect(info).toMatchObject({ limit: null, remaining: 5999, policy: 'requests' });
    expect(info?.policies?.[1]).toMatchObject({ name: 'execution-time', remaining: 1199999, unit: 'execution-time' });
  });
});

describe('Retry-After', () => {
  it('as seconds or an HTTP date; unparsable values ignored', () => {
    expect(parseRetryAfter('30', now)).toBe(30);
    expect(parseRetryAfter('Sun, 22 Nov 2026 12:00:30 GMT', now)).toBe(30);
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(rateLimitHeaders(null)).toEqual({});
    expect(normalizeRateLimit(undefined, { 'retry-after': 'Sun, 22 Nov 2026 12:01:00 GMT' }, { nowMs: now, throttled: true })).toEqual({
      limit: null, remaining: 0, reset_seconds: null, policy: null, retry_after_seconds: 60,
    });
  });
});
