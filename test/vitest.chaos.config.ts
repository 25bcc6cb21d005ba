import { defineConfig } from 'vitest/config';

/** `npm run chaos`: the fault-injection suite and the long oidc-provider runs (minutes; CI runs it after `npm test`). */
export default defineConfig({
  test: {
    include: ['test/chaos/**/*.chaos.ts'],
    root: new URL('..', import.meta.url).pathname,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    globalSetup: ['test/helpers/redis-notice.ts', 'test/helpers/build-dist.ts'],
    reporters: ['default'],
  },
});
