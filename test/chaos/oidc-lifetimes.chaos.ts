/**
 * The oidc-provider run of issue 11 at the longer lifetimes (`npm run chaos`; L = 15 s runs in
 * `npm test`, test/oidc/four-processes.test.ts): 4 crm-mcp processes on one Redis, 50 concurrent
 * tool calls each, in waves released by a message barrier after each of 3 expiries, at L = 45 s
 * and 200 s (about 12 minutes).
 */
import { describe, expect, it } from 'vitest';
import { redisAvailable, redisSkipReason } from '../helpers/redis-server.js';
import { runOidcScenario } from '../oidc/helpers/scenario.js';

describe.skipIf(!redisAvailable)(`oidc-provider peer, long lifetimes${redisAvailable ? '' : ` (${redisSkipReason})`}`, () => {
  it('4 processes × 50 concurrent tool calls across 3 expiries at L = 45 s and 200 s: one refresh grant per expiry, no reuse detection, no failed call', async () => {
    const { outcomes, stats } = await runOidcScenario({ lifetimes: [45, 200], workers: 4, callsPerWorker: 50, expiries: 3, log: (l) => console.log(l) });
    expect(stats.codeGrants).toBe(2);
    for (const o of outcomes) {
      expect(o.waves).toHaveLength(3);
      for (const w of o.waves) expect({ failed: w.failed.slice(0, 3), ok: w.ok, refreshGrants: w.refreshGrants, reuseDetections: w.reuseDetections }).toEqual({ failed: [], ok: 200, refreshGrants: 1, reuseDetections: 0 });
      expect(o.status).toBe('active');
      expect(o.tokensValid).toBe(true);
    }
    expect(stats.reuseDetections).toBe(0);
    expect(stats.revokedGrants).toBe(0);
  }, 1_200_000);
});
