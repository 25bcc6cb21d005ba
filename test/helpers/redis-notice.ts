/**
 * Vitest global setup: when redis-server is missing, says once, before any test runs, that the
 * Redis suites are skipped and why (the per-test skips alone only show up as a count).
 */
import { redisAvailable, redisSkipReason } from './redis-server.js';

export default function setup(): void {
  if (!redisAvailable) process.stderr.write(`\ncrm-mcp tests: every Redis suite is SKIPPED: ${redisSkipReason}\n\n`);
}
