/**
 * OAuth clients kept in the KvStore under `oauth-client:<integration>:<environment|*>`; the
 * client secret is sealed (encrypted with the account keyring) before it is written.
 */
import { z } from 'zod';
import type { SecretSealer } from '../connect/ports.js';
import type { KvStore } from '../store/kv.js';
import type { OAuthClientEntry } from './config.js';

export const OAUTH_CLIENT_PREFIX = 'oauth-client:';
const DEFAULT_ENV = '*';

const StoredClientSchema = z.object({
  client_id: z.string().min(1),
  client_secret_sealed: z.string().optional(),
  scopes: z.array(z.string()).optional(),
});

export interface OAuthClientStore {
  get(integration: string, environment?: string): Promise<OAuthClientEntry | undefined>;
  set(integration: string, entry: OAuthClientEntry, environment?: string): Promise<void>;
  delete(integration: string, environment?: string): Promise<boolean>;
  /** Client ids only; secrets are never listed. */
  list(): Promise<Array<{ integration: string; environment: string | null; client_id: string; has_secret: boolean }>>;
}

const key = (integration: string, environment?: string) => `${OAUTH_CLIENT_PREFIX}${integration}:${environment ?? DEFAULT_ENV}`;

export function createOAuthClientStore(opts: { kv: KvStore; sealer: SecretSealer }): OAuthClientStore {
  const { kv, sealer } = opts;
  return {
    async get(integration, environment) {
      const raw = await kv.get(key(integration, environment));
      if (raw === undefined) return undefined;
      const s = StoredClientSchema.parse(JSON.parse(raw));
      return {
        client_id: s.client_id,
        ...(s.client_secret_sealed ? { client_secret: sealer.open(s.client_secret_sealed) } : {}),
        ...(s.scopes ? { scopes: s.scopes } : {}),
      };
    },
    async set(integration, entry, environment) {
      const stored: z.infer<typeof StoredClientSchema> = {
        client_id: entry.client_id,
        ...(entry.client_secret ? { client_secret_sealed: sealer.seal(entry.client_secret) } : {}),
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
  };
}
