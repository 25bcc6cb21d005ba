/**
 * Connect links: a random token, handed to a customer inside a URL, that starts one consent
 * flow. Stored only as its SHA-256 under `link:<hash>` with a TTL; consumed atomically
 * (compare-and-delete) so a second use — or a use after expiry — is refused. Looking at a link
 * (`peek`: a preview, a mail scanner, the customer's first GET) never consumes it; only starting
 * the consent does. The URL carries only the token: tenant and integration stay server-side.
 */
import { z } from 'zod';
import type { Clock, Random } from '../core/deps.js';
import { CrmMcpError } from '../core/errors.js';
import type { KvStore } from '../store/kv.js';
import { base64url, sha256Hex } from './hash.js';

export const LINK_PREFIX = 'link:';
export const DEFAULT_LINK_TTL_MS = 24 * 60 * 60 * 1000;

export const LinkRecordSchema = z.object({
  tenant_id: z.string().min(1),
  integration: z.string().min(1),
  environment: z.string().min(1),
  /** Reconnect: the existing account this link re-authorizes (keeps its id). */
  account_id: z.string().min(1).optional(),
  created_at: z.string(),
  expires_at: z.string(),
});
export type LinkRecord = z.infer<typeof LinkRecordSchema>;

export interface CreatedLink {
  /** Shown once; only its hash is stored. */
  token: string;
  record: LinkRecord;
}

export interface LinkTokenStore {
  create(input: { tenantId: string; integration: string; environment: string; accountId?: string; ttlMs?: number }): Promise<CreatedLink>;
  /** The link's record, consumed; CrmMcpError('unauthorized') when unknown, used or expired. */
  consume(token: string): Promise<LinkRecord>;
  /** The link's record, left usable; the same refusals as `consume`. */
  peek(token: string): Promise<LinkRecord>;
}

const refused = () => new CrmMcpError('unauthorized', 'this connect link is invalid, expired or already used');

export function createLinkTokenStore(opts: { kv: KvStore; clock: Clock; random: Random }): LinkTokenStore {
  const { kv, clock, random } = opts;
  const read = async (token: string): Promise<{ key: string; raw: string; record: LinkRecord }> => {
    if (!/^lnk_[A-Za-z0-9_-]{20,100}$/.test(token)) throw refused();
    const key = LINK_PREFIX + sha256Hex(token);
    const raw = await kv.get(key);
    if (raw === undefined) throw refused();
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      throw refused();
    }
    const parsed = LinkRecordSchema.safeParse(json);
    if (!parsed.success || Date.parse(parsed.data.expires_at) <= clock.now()) throw refused();
    return { key, raw, record: parsed.data };
  };
  return {
    async create(input) {
      const ttlMs = input.ttlMs ?? DEFAULT_LINK_TTL_MS;
      if (!(ttlMs > 0)) throw new CrmMcpError('invalid_input', 'link lifetime must be positive');
      const token = 'lnk_' + base64url(random.bytes(32));
      const now = clock.now();
      const record: LinkRecord = {
        tenant_id: input.tenantId,
        integration: input.integration,
        environment: input.environment,
        ...(input.accountId ? { account_id: input.accountId } : {}),
        created_at: new Date(now).toISOString(),
        expires_at: new Date(now + ttlMs).toISOString(),
      };
      await kv.set(LINK_PREFIX + sha256Hex(token), JSON.stringify(record), { ttlMs });
      return { token, record };
    },

    async consume(token) {
      const found = await read(token);
      if (!(await kv.deleteIfEquals(found.key, found.raw))) throw refused();
      return found.record;
    },

    async peek(token) {
      return (await read(token)).record;
    },
  };
}
