/** Shared wiring for token-manager tests: accounts, a manual clock, a memory store. */
import type { LinkedAccount } from '../../../src/accounts/model.js';
import type { Clock, Deps, TimerHandle } from '../../../src/core/deps.js';
import { cryptoRandom } from '../../../src/core/deps.js';
import { createMemoryLogger } from '../../../src/core/logger.js';
import type { AccountStore } from '../../../src/store/account-store.js';
import { plainCodec } from '../../../src/store/codec.js';
import type { KvStore } from '../../../src/store/kv.js';
import { createAccountStore } from '../../../src/store/kv-account-store.js';
import { createMemoryKv } from '../../../src/store/memory-kv.js';

/** Manual clock: time moves only via advance(); sleep() resolves when advanced past. */
export function manualClock(start = Date.now()): Clock & { advance(ms: number): Promise<void>; set(ms: number): void } {
  let now = start;
  let timers: Array<{ at: number; fn: () => void; id: number }> = [];
  let seq = 0;
  const clock = {
    now: () => now,
    setTimer(fn: () => void, ms: number): TimerHandle {
      const id = ++seq;
      timers.push({ at: now + Math.max(0, ms), fn, id });
      return { cancel: () => void (timers = timers.filter((t) => t.id !== id)) };
    },
    sleep: (ms: number) => new Promise<void>((r) => clock.setTimer(r, ms)),
    async advance(ms: number) {
      const target = now + ms;
      for (;;) {
        timers.sort((a, b) => a.at - b.at);
        const t = timers[0];
        if (!t || t.at > target) break;
        timers.shift();
        now = Math.max(now, t.at);
        t.fn();
        for (let i = 0; i < 20; i++) await Promise.resolve();
        await new Promise((r) => setImmediate(r));
      }
      now = target;
    },
    set(ms: number) {
      now = ms;
    },
  };
  return clock;
}

export function testDeps(clock: Clock): Deps & { logger: ReturnType<typeof createMemoryLogger> } {
  return { clock, random: cryptoRandom, logger: createMemoryLogger('debug') };
}

export function oauthAccount(id: string, o: { access: string; refresh: string; expiresAt: number | null; issuedAt?: number; status?: LinkedAccount['status']; handedOff?: boolean }): LinkedAccount {
  const t = new Date(0).toISOString();
  return {
    id,
    tenant_id: 'tenant-1',
    integration: 'hubspot',
    environment: 'production',
    status: o.status ?? 'active',
    authentication_method: 'oauth2',
    context: {
      oauth: {
        token: {
          access_token: o.access,
          refresh_token: o.refresh,
          expires_at: o.expiresAt === null ? null : new Date(o.expiresAt).toISOString(),
          ...(o.issuedAt !== undefined ? { issued_at: new Date(o.issuedAt).toISOString() } : {}),
        },
      },
    },
    created_at: t,
    updated_at: t,
    ...(o.handedOff ? { handed_off: true } : {}),
    version: 0,
  };
}

export function memoryStore(clock: Clock): { kv: KvStore; store: AccountStore } {
  const kv = createMemoryKv(clock);
  return { kv, store: createAccountStore({ kv, codec: plainCodec, clock }) };
}
