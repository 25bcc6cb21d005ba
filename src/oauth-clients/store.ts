/**
 * OAuth clients kept in the KvStore under `oauth-client:<integration>:<environment|*>`; the
 * client secret is sealed for 'oauth-client-secret' (encrypted with the account keyring) before
 * it is written. A secret read under a legacy AAD or an older key is written back re-sealed
 * (compare-and-set, so a concurrent `set` wins); `resealAll` does the same for every record.
 */
import { z } from 'zod';
import { CrmMcpError, isCrmMcpError } from '../core/errors.js';
import type { ResealResult, SealedSecretSet } from '../crypto/rotate.js';
import type { SealPurpose, Sealer } from '../crypto/sealer.js';
import type { KvStore } from '../store/kv.js';
import type { OAuthClientEntry } from './config.js';

export const OAUTH_CLIENT_PREFIX = 'oauth-client:';
const DEFAULT_ENV = '*';
const PURPOSE: SealPurpose = 'oauth-client-secret';

const StoredClientSchema = z.object({
  client_id: z.string().min(1),
  client_secret_sealed: z.string().optional(),
  scopes: z.array(z.string()).optional(),
});

export interface OAuthClientStore extends SealedSecretSet {
  get(integration: string, environment?: string): Promise<OAuthClientEntry | undefined>;
  set(integration: string, entry: OAuthClientEntry, environment?: string): Promise<void>;
  delete(integration: string, environment?: string): Promise<boolean>;
  /** Client ids only; secrets are never listed. */
  list(): Promise<Array<{ integration: string; environment: string | null; client_id: string; has_secret: boolean }>>;
}

const key = (integration: string, environment?: string) => `${OAUTH_CLIENT_PREFIX}${integration}:${environment ?? DEFAULT_ENV}`;

type Stored = z.infer<typeof StoredClientSchema>;

export function createOAuthClientStore(opts: { kv: KvStore; sealer: Sealer }): OAuthClientStore {
  const { kv, sealer } = opts;

  /**
   * Opens the stored secret. When it needed re-sealing, writes the record back unless it changed
   * since `raw` was read ('changed': a concurrent write, which stands).
   */
  async function openSecret(k: string, raw: string, s: Stored): Promise<{ secret: string; state: 'current' | 'resealed' | 'changed' } | undefined> {
    if (!s.client_secret_sealed) return undefined;
    const u = sealer.open(PURPOSE, s.client_secret_sealed);
    if (u.resealed === undefined) return { secret: u.plaintext, state: 'current' };
    const next: Stored = { ...s, client_secret_sealed: u.resealed };
    return { secret: u.plaintext, state: (await kv.compareAndSet(k, raw, JSON.stringify(next))) ? 'resealed' : 'changed' };
  }

  return {
    async get(integration, environment) {
      const k = key(integration, environment);
      const raw = await kv.get(k);
      if (raw === undefined) return undefined;
      const s = StoredClientSchema.parse(JSON.parse(raw));
      const opened = await openSecret(k, raw, s);
      return {
        client_id: s.client_id,
        ...(opened ? { client_secret: opened.secret } : {}),
        ...(s.scopes ? { scopes: s.scopes } : {}),
      };
    },
    async set(integration, entry, environment) {
      const stored: Stored = {
        client_id: entry.client_id,
        ...(entry.client_secret ? { client_secret_sealed: sealer.seal(PURPOSE, entry.client_secret) } : {}),
        ...(entry.scopes ? { scopes: entry.scopes } : {}),
      };
      await kv.set(key(integration, environment), JSON.stringify(stored));
    },
    delete: (integration, environment) => kv.delete(key(integration, environment)),
    async list() {
      const out: Awaited<ReturnType<OAuthClientStore['list']>> = [];
      for await (const [k, raw] of kv.scan(OAUTH_CLIENT_PREFIX)) {
        const rest = k.slice(OAUTH_CLIENT_PREFIX.length);
        const cut = rest.lastIndexOf(':');
        const s = StoredClientSchema.safeParse(JSON.parse(raw));
        if (!s.success) continue;
        const env = rest.slice(cut + 1);
        out.push({ integration: rest.slice(0, cut), environment: env === DEFAULT_ENV ? null : env, client_id: s.data.client_id, has_secret: Boolean(s.data.client_secret_sealed) });
      }
      return out.sort((a, b) => `${a.integration}:${a.environment}`.localeCompare(`${b.integration}:${b.environment}`));
    },
    async resealAll() {
      const r: ResealResult = { total: 0, resealed: 0, unchanged: 0, failed: [] };
      const keys: string[] = [];
      for await (const [k] of kv.scan(OAUTH_CLIENT_PREFIX)) keys.push(k);
      for (const k of keys.sort()) {
        try {
          for (let attempt = 1; ; attempt++) {
            const raw = await kv.get(k);
            if (raw === undefined) break;
            const opened = await openSecret(k, raw, StoredClientSchema.parse(JSON.parse(raw)));
            if (!opened) break;
            if (opened.state !== 'changed') {
              r.total++;
              r[opened.state === 'resealed' ? 'resealed' : 'unchanged']++;
              break;
            }
            if (attempt === 5) throw new CrmMcpError('store_conflict', `OAuth client '${k}' kept changing while being re-sealed`);
          }
        } catch (err) {
          r.total++;
          r.failed.push({ key: k, code: isCrmMcpError(err) ? err.code : 'corrupt', message: isCrmMcpError(err) ? err.message : `stored OAuth client '${k}' is not a client record` });
        }
      }
      return r;
    },
  };
}
