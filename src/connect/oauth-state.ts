/**
 * OAuth `state`: random, single use, expiring. The value sent to the provider is only a random
 * reference; the record it points to (tenant, integration, reconnect target, sealed PKCE
 * verifier, redirect URI) lives server-side under `oauth-state:<sha256(state)>` with a TTL and
 * is consumed atomically, so a replayed callback is refused.
 */
import { z } from 'zod';
import type { Clock, Random } from '../core/deps.js';
import { CrmMcpError } from '../core/errors.js';
import type { Sealer } from '../crypto/sealer.js';
import type { KvStore } from '../store/kv.js';
import { base64url, sha256Hex } from './hash.js';

export const STATE_PREFIX = 'oauth-state:';
export const DEFAULT_STATE_TTL_MS = 10 * 60 * 1000;

const StoredStateSchema = z.object({
  tenant_id: z.string(),
  integration: z.string(),
  environment: z.string(),
  account_id: z.string().optional(),
  redirect_uri: z.string(),
  /** Sealed (encrypted) PKCE verifier; absent when the integration does not use PKCE. */
  code_verifier_sealed: z.string().optional(),
  expires_at: z.string(),
});

export interface PendingAuthorization {
  tenant_id: string;
  integration: string;
  environment: string;
  account_id?: string;
  redirect_uri: string;
  code_verifier?: string;
}

export interface OAuthStateStore {
  create(pending: PendingAuthorization, ttlMs?: number): Promise<string>;
  /** CrmMcpError('unauthorized') for an unknown, replayed or expired state. */
  consume(state: string): Promise<PendingAuthorization>;
}

export function createOAuthStateStore(opts: { kv: KvStore; clock: Clock; random: Random; sealer: Sealer }): OAuthStateStore {
  const { kv, clock, random, sealer } = opts;
  return {
    async create(pending, ttlMs = DEFAULT_STATE_TTL_MS) {
      const state = base64url(random.bytes(32));
      const { code_verifier, ...rest } = pending;
      const stored: z.infer<typeof StoredStateSchema> = {
        ...rest,
        ...(code_verifier ? { code_verifier_sealed: sealer.seal('pkce-verifier', code_verifier) } : {}),
        expires_at: new Date(clock.now() + ttlMs).toISOString(),
      };
      await kv.set(STATE_PREFIX + sha256Hex(state), JSON.stringify(stored), { ttlMs });
      return state;
    },

    async consume(state) {
      const refused = () => new CrmMcpError('unauthorized', 'the authorization state is invalid, expired or already used');
      if (!/^[A-Za-z0-9_-]{20,100}$/.test(state)) throw refused();
      const key = STATE_PREFIX + sha256Hex(state);
      const raw = await kv.get(key);
      if (raw === undefined || !(await kv.deleteIfEquals(key, raw))) throw refused();
      const parsed = StoredStateSchema.safeParse(JSON.parse(raw));
      if (!parsed.success || Date.parse(parsed.data.expires_at) <= clock.now()) throw refused();
      const { code_verifier_sealed, expires_at: _e, ...rest } = parsed.data;
      return { ...rest, ...(code_verifier_sealed ? { code_verifier: sealer.open('pkce-verifier', code_verifier_sealed).plaintext } : {}) };
    },
  };
}
