/**
 * MCP bearer access tokens: what an HTTP client presents to reach one tenant's linked account.
 * A token is shown once at creation; only its SHA-256 is stored (see STORAGE.md). Tokens are
 * `cmcp_<id>_<secret>`: the id locates the record without scanning, the secret is 32 random
 * bytes. Verification compares hashes in constant time.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { Clock, Random } from '../core/deps.js';
import { CrmMcpError } from '../core/errors.js';
import type { KvStore } from '../store/kv.js';
import type { ReadCache } from '../store/read-cache.js';

export const ACCESS_TOKEN_PREFIX = 'mcptok:';
const TOKEN_RE = /^cmcp_([a-f0-9]{16})_([A-Za-z0-9_-]{43})$/;

export const AccessTokenRecordSchema = z.object({
  id: z.string(),
  tenant_id: z.string(),
  account_id: z.string(),
  /** Hex SHA-256 of the whole token string. */
  token_sha256: z.string().regex(/^[a-f0-9]{64}$/),
  label: z.string().optional(),
  created_at: z.string(),
  expires_at: z.string().nullable(),
  revoked_at: z.string().nullable(),
});
export type AccessTokenRecord = z.infer<typeof AccessTokenRecordSchema>;
/** What listings show: never the hash. */
export type AccessTokenInfo = Omit<AccessTokenRecord, 'token_sha256'>;

export type VerifyResult =
  | { ok: true; token: AccessTokenInfo }
  | { ok: false; reason: 'malformed' | 'unknown' | 'revoked' | 'expired' };

export interface AccessTokenStore {
  create(input: { tenantId: string; accountId: string; expiresInMs?: number; label?: string }): Promise<{ token: string; info: AccessTokenInfo }>;
  verify(token: string): Promise<VerifyResult>;
  list(filter?: { tenantId?: string; accountId?: string }): Promise<AccessTokenInfo[]>;
  /** Marks the token revoked (kept for audit). False when the id is unknown. */
  revoke(id: string): Promise<boolean>;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const key = (id: string) => `${ACCESS_TOKEN_PREFIX}${id}`;
const info = ({ token_sha256: _h, ...rest }: AccessTokenRecord): AccessTokenInfo => rest;

function parse(raw: string, id: string): AccessTokenRecord {
  try {
    return AccessTokenRecordSchema.parse(JSON.parse(raw));
  } catch (cause) {
    throw new CrmMcpError('store_unavailable', `access token record '${id}' is corrupt`, { cause });
  }
}

/**
 * `cache`: `verify` keeps records (never a token: only its hash is in one) in memory while the
 * store announces no write to them (src/store/read-cache.ts), so a revocation anywhere is seen
 * within that cache's bound. Expiry is judged on every call.
 */
export function createAccessTokenStore(opts: { kv: KvStore; clock: Clock; random: Random; cache?: ReadCache<AccessTokenRecord> }): AccessTokenStore {
  const { kv, clock, random, cache } = opts;
  const iso = (ms: number) => new Date(ms).toISOString();
  const read = async (id: string): Promise<AccessTokenRecord | undefined> => {
    const raw = await kv.get(key(id));
    return raw === undefined ? undefined : parse(raw, id);
  };

  return {
    async create({ tenantId, accountId, expiresInMs, label }) {
      if (expiresInMs !== undefined && !(expiresInMs > 0)) throw new CrmMcpError('invalid_input', 'expiry must be a positive duration');
      const id = random.bytes(8).toString('hex');
      const token = `cmcp_${id}_${random.bytes(32).toString('base64url')}`;
      const now = clock.now();
      const record: AccessTokenRecord = {
        id,
        tenant_id: tenantId,
        account_id: accountId,
        token_sha256: sha256(token),
        ...(label ? { label } : {}),
        created_at: iso(now),
        expires_at: expiresInMs === undefined ? null : iso(now + expiresInMs),
        revoked_at: null,
      };
      if (!(await kv.compareAndSet(key(id), undefined, JSON.stringify(record)))) {
        throw new CrmMcpError('store_conflict', 'access token id collision; try again');
      }
      return { token, info: info(record) };
    },

    async verify(token) {
      const m = TOKEN_RE.exec(token);
      if (!m) return { ok: false, reason: 'malformed' };
      const id = m[1]!;
      const rec = cache ? await cache.get(key(id), () => read(id)) : await read(id);
      if (rec === undefined) return { ok: false, reason: 'unknown' };
      const a = Buffer.from(rec.token_sha256, 'hex');
      const b = Buffer.from(sha256(token), 'hex');
      if (a.length !== b.length || !timingSafeEqual(a, b)) return { ok: false, reason: 'unknown' };
      if (rec.revoked_at) return { ok: false, reason: 'revoked' };
      if (rec.expires_at && Date.parse(rec.expires_at) <= clock.now()) return { ok: false, reason: 'expired' };
      return { ok: true, token: info(rec) };
    },

    async list(filter = {}) {
      const out: AccessTokenInfo[] = [];
      for await (const [k, raw] of kv.scan(ACCESS_TOKEN_PREFIX)) {
        const rec = parse(raw, k.slice(ACCESS_TOKEN_PREFIX.length));
        if (filter.tenantId !== undefined && rec.tenant_id !== filter.tenantId) continue;
        if (filter.accountId !== undefined && rec.account_id !== filter.accountId) continue;
        out.push(info(rec));
      }
      return out.sort((x, y) => x.created_at.localeCompare(y.created_at) || x.id.localeCompare(y.id));
    },

    async revoke(id) {
      for (let i = 0; i < 10; i++) {
        const raw = await kv.get(key(id));
        if (raw === undefined) return false;
        const rec = parse(raw, id);
        if (rec.revoked_at) return true;
        if (await kv.compareAndSet(key(id), raw, JSON.stringify({ ...rec, revoked_at: iso(clock.now()) }))) return true;
      }
      throw new CrmMcpError('store_conflict', `access token '${id}' kept changing while being revoked`);
    },
  };
}

/** '30d', '12h', '45m', '90s' → milliseconds. */
export function parseDuration(s: string): number {
  const m = /^(\d{1,6})([smhd])$/.exec(s.trim());
  if (!m) throw new CrmMcpError('invalid_input', `invalid duration '${s}': use a number and a unit s, m, h or d (e.g. 30d)`);
  const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 's' | 'm' | 'h' | 'd'];
  const ms = Number(m[1]) * unit;
  if (ms <= 0) throw new CrmMcpError('invalid_input', `invalid duration '${s}': must be positive`);
  return ms;
}
