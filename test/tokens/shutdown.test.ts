/**
 * Shutdown with refreshed tokens the store refuses (build 3 of issue 11), through the composition
 * root every entry point closes (`serve` on SIGTERM closes it the same way): the app on a real
 * Redis, the sandbox HubSpot as provider. Redis starts refusing writes (OOM) the moment the token
 * request leaves, so the provider rotates and the write of what it returned fails; closing the app
 * gives the write a bounded last try and says, as an error naming the account, that it could not.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, Dispatcher } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { openApp } from '../../src/app/open-app.js';
import { systemClock } from '../../src/core/deps.js';
import { isCrmMcpError } from '../../src/core/errors.js';
import { createKeyFileIfAbsent } from '../../src/crypto/key-file.js';
import { createRedisKv } from '../../src/store/redis-kv.js';
import { CLIENT_ENV, ENVIRONMENT, sandboxOverrides, startProviders } from '../connect/helpers/sandbox-stack.js';
import { configEnvironments, writeConfigFile } from '../helpers/dist.js';
import { redisAvailable, redisSkipReason, startRedis } from '../helpers/redis-server.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!().catch(() => undefined);
});

/** Passes every request on; before the first one to `url` leaves, runs `first` (and waits for it). */
class BeforeFirst extends Dispatcher {
  private readonly inner = new Agent();
  private done = false;
  constructor(
    private readonly url: string,
    private readonly first: () => Promise<unknown>,
  ) {
    super();
  }
  override dispatch(opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    if (this.done || new URL(String(opts.path), String(opts.origin)).href !== this.url) return this.inner.dispatch(opts, handler);
    this.done = true;
    void this.first().then(() => this.inner.dispatch(opts, handler));
    return true;
  }
}

describe.skipIf(!redisAvailable)(`shutdown with unstored tokens${redisAvailable ? '' : ` (${redisSkipReason})`}`, () => {
  it('closing the app while Redis refuses the refreshed tokens logs an error naming the account; the refresh lock is left to lapse', async () => {
    const redis = await startRedis();
    cleanups.push(() => redis.stop());
    const admin = await createRedisKv({ url: redis.url });
    cleanups.push(() => admin.close());
    const p = await startProviders(systemClock);
    cleanups.push(() => p.close());
    const dir = mkdtempSync(join(tmpdir(), 'crm-shutdown-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    const keysFile = join(dir, 'keys.json');
    createKeyFileIfAbsent(keysFile, new Date());
    const config = writeConfigFile({ environments: configEnvironments(sandboxOverrides(p)), insecureHosts: ['127.0.0.1'] });
    const oom = async () => {
      await admin.client.sendCommand(['CONFIG', 'SET', 'maxmemory-policy', 'noeviction']);
      await admin.client.sendCommand(['CONFIG', 'SET', 'maxmemory', '1']);
    };
    cleanups.push(() => admin.client.sendCommand(['CONFIG', 'SET', 'maxmemory', '0']));
    const lines: string[] = [];
    const app = await openApp({ flags: { config, redisUrl: redis.url, keysFile, logLevel: 'info' }, env: CLIENT_ENV, stderr: (l) => void lines.push(l.trimEnd()), dispatcher: new BeforeFirst(p.hubspot.tokenUrl, oom) });

    const grant = p.hubspot.oauth.seedGrant({ expired: true });
    const now = new Date().toISOString();
    const account = await app.store.accounts.put({
      id: 'acct-shutdown', tenant_id: 't', integration: 'hubspot', environment: ENVIRONMENT, status: 'active', authentication_method: 'oauth2',
      context: { oauth: { token: { access_token: grant.accessToken, refresh_token: grant.refreshToken!, expires_at: new Date(Date.now() - 1000).toISOString() } } },
      created_at: now, updated_at: now, last_error: null, version: 0,
    });
    const e = await app.core.tokens.getAccessToken(account).catch((x: unknown) => x);
    expect(isCrmMcpError(e, 'transient_auth')).toBe(true);
    expect(p.hubspot.oauth.stats.byGrantType.refresh_token).toBe(1);

    await app.close();
    const loud = lines.filter((l) => l.includes('SHUTDOWN WITH UNSTORED TOKENS'));
    expect(loud).toHaveLength(1);
    expect(JSON.parse(loud[0]!)).toMatchObject({ level: 'error', account_id: 'acct-shutdown' });
    // The lock still guards the refresh token the provider consumed (it lapses after the hold TTL).
    expect(await admin.client.pTTL('lock:token-refresh:acct-shutdown')).toBeGreaterThan(0);
  }, 60_000);
});
