/** Shared wiring for token-manager tests: accounts, deps, a memory store. */
import type { LinkedAccount } from '../../../src/accounts/model.js';
import type { Clock, Deps } from '../../../src/core/deps.js';
import { cryptoRandom } from '../../../src/core/deps.js';
import { createMemoryLogger } from '../../helpers/logger.js';
import type { AccountStore } from '../../../src/store/account-store.js';
import { plainCodec } from '../../helpers/memory-kv.js';
import type { KvStore } from '../../../src/store/kv.js';
import { createAccountStore } from '../../../src/store/kv-account-store.js';
import { createMemoryKv } from '../../helpers/memory-kv.js';

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
