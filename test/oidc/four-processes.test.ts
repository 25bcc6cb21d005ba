/**
 * crm-mcp against a real OAuth server (panva's oidc-provider: code + PKCE, refresh rotation with
 * reuse detection that revokes the grant, short tokens): connected through crm-mcp's own connect
 * flow, then 4 crm-mcp processes on one Redis, 50 concurrent tool calls each, in waves released by
 * a message barrier just after each of 3 expiries. L = 15 s here; `npm run chaos` also runs 45 s
 * and 200 s (test/chaos/oidc-lifetimes.chaos.ts).
 */
import { describe, expect, it } from 'vitest';
import { redisAvailable, redisSkipReason } from '../helpers/redis-server.js';
import { runOidcScenario } from './helpers/scenario.js';

describe.skipIf(!redisAvailable)(`oidc-provider peer, 4 processes${redisAvailable ? '' : ` (${redisSkipReason})`}`, () => {
  it('4 processes × 50 concurrent tool calls across 3 expiries at L = 15 s: one refresh grant per expiry, no reuse detection, no failed call', async () => {
    const { outcomes, stats } = await runOidcScenario({ lifetimes: [15], workers: 4, callsPerWorker: 50, expiries: 3 });
    expect(stats.codeGrants).toBe(1);
    for (const o of outcomes) {
      expect(o.waves).toHaveLength(3);
      for (const w of o.waves) {
        expect(w.failed, w.failed.slice(0, 3).join('\n')).toEqual([]);
        expect(w.ok).toBe(200);
        expect(w.refreshGrants).toBe(1);
        expect(w.reuseDetections).toBe(0);
      }
      expect(o.status).toBe('active');
      expect(o.tokensValid).toBe(true);
    }
    expect(stats.reuseDetections).toBe(0);
    expect(stats.revokedGrants).toBe(0);
  }, 180_000);
});
