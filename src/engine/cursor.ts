/**
 * Sealed list cursors: `c1.<kid>.<payload>.<mac>`. The payload (base64url JSON) holds only the
 * pagination state — the provider's cursor/page token, a continuation path or an offset, and how
 * many records of that provider page were already returned — bound to the account, integration,
 * resource, method and the list operation's version (a fingerprint of the definition's operation
 * as resolved for the account), with an expiry. The MAC is HMAC-SHA256 under a key derived with
 * HKDF-SHA256 (info `crm-mcp:cursor:v1`) from the keyring key named by `kid`: every replica with
 * the same encryption keys accepts the others' cursors, nothing new needs configuring, and a key
 * rotation keeps cursors valid while the old key stays in the keyring.
 *
 * `open` refuses anything it did not issue for this very listing — not decodable, a bad MAC, an
 * unknown key, another account or listing, a changed definition, expired — with a message that
 * tells the caller to restart the listing. The engine opens the cursor before it asks for a token
 * or sends anything, so a refused cursor costs no provider request.
 */
import { createHash, createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { Clock } from '../core/deps.js';
import { CrmMcpError } from '../core/errors.js';
import { createKeyring, generateKey, type Keyring } from '../crypto/keyring.js';
import type { Definition, Operation } from '../integrations/schema.js';

/** What a cursor is valid for. */
export interface CursorBinding {
  account: string;
  integration: string;
  resource: string;
  method: string;
  /** `operationVersion` of the list operation the cursor pages through. */
  version: string;
}

export interface CursorState {
  /** cursor/page_token value, next_url continuation path, or offset; absent = the first page. */
  s?: string | number;
  /**
   * Records of that provider page already returned. A provider may answer with more than the
   * caller's `limit` (Salesforce batches are at least 200), so the rest of the page is served
   * by the next call instead of being dropped or flooding the caller.
   */
  k?: number;
}

export interface CursorSealer {
  seal(binding: CursorBinding, state: CursorState): string;
  /** The state, or an error message safe to show (it never says what another cursor held). */
  open(cursor: string, binding: CursorBinding): CursorState | { error: string };
}

/** Longest provider page token or continuation path a cursor carries (the cursor stays under the tools' 4096). */
const MAX_STATE_CHARS = 2048;

const PayloadSchema = z
  .object({
    a: z.string(),
    i: z.string(),
    r: z.string(),
    m: z.string(),
    d: z.string(),
    /** Expiry, epoch seconds. */
    e: z.number().int(),
    s: z.union([z.string().min(1).max(MAX_STATE_CHARS), z.number().int().nonnegative()]).optional(),
    k: z.number().int().positive().optional(),
  })
  .strict();

const RESTART = 'restart the listing by calling without a cursor';
const MAX_CURSOR_CHARS = 8192;
export const DEFAULT_CURSOR_TTL_MS = 24 * 60 * 60 * 1000;

export function createCursorSealer(opts: { keyring?: Keyring; clock: Clock; ttlMs?: number }): CursorSealer {
  // Without a keyring (a library user's engine) cursors are valid for this engine only.
  const keyring = opts.keyring ?? createKeyring(generateKey('cursor'));
  const ttlMs = opts.ttlMs ?? DEFAULT_CURSOR_TTL_MS;
  const derived = new Map<string, Buffer>();
  const macKey = (kid: string): Buffer | undefined => {
    const hit = derived.get(kid);
    if (hit) return hit;
    const key = keyring.get(kid);
    if (!key) return undefined;
    const k = Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), 'crm-mcp:cursor:v1', 32));
    derived.set(kid, k);
    return k;
  };
  const mac = (key: Buffer, kid: string, payload: string) => createHmac('sha256', key).update(`c1.${kid}.${payload}`).digest();
  // A cursor is a pure function of its key id and payload: the last one sealed is reused for the
  // same payload (consecutive first-page listings within the same second seal the same cursor).
  let last: { kid: string; payload: string; cursor: string } | undefined;

  return {
    seal(b, state) {
      if (typeof state.s === 'string' && state.s.length > MAX_STATE_CHARS) {
        throw new CrmMcpError('provider_error', `${b.integration} returned a next-page token longer than ${MAX_STATE_CHARS} characters; the listing cannot continue`);
      }
      const kid = keyring.current.kid;
      const body = { a: b.account, i: b.integration, r: b.resource, m: b.method, d: b.version, e: Math.floor((opts.clock.now() + ttlMs) / 1000), ...state };
      const payload = Buffer.from(JSON.stringify(body)).toString('base64url');
      if (last?.kid === kid && last.payload === payload) return last.cursor;
      last = { kid, payload, cursor: `c1.${kid}.${payload}.${mac(macKey(kid)!, kid, payload).toString('base64url')}` };
      return last.cursor;
    },
    open(cursor, b) {
      const foreign = { error: `this cursor was not issued by this server for this listing; ${RESTART}` };
      if (cursor.length > MAX_CURSOR_CHARS) return foreign;
      const parts = cursor.split('.');
      if (parts.length !== 4 || parts[0] !== 'c1') return foreign;
      const [, kid, payload, tag] = parts as [string, string, string, string];
      const key = macKey(kid);
      if (!key) return { error: `this cursor was issued under an encryption key this server no longer holds; ${RESTART}` };
      // Compared as the canonical text: base64url decoding ignores a last character's unused bits,
      // so another spelling of the same MAC bytes would otherwise pass (and the cursor not be the one issued).
      const given = Buffer.from(tag);
      const want = Buffer.from(mac(key, kid, payload).toString('base64url'));
      if (given.length !== want.length || !timingSafeEqual(given, want)) return foreign;
      let parsed;
      try {
        parsed = PayloadSchema.safeParse(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')));
      } catch {
        return foreign;
      }
      if (!parsed.success) return foreign;
      const p = parsed.data;
      if (p.a !== b.account || p.i !== b.integration || p.r !== b.resource || p.m !== b.method) return foreign;
      if (p.d !== b.version) return { error: `the ${b.integration} definition of this listing changed since the cursor was issued; ${RESTART}` };
      if (p.e * 1000 <= opts.clock.now()) return { error: `this cursor has expired; ${RESTART}` };
      return { ...(p.s !== undefined ? { s: p.s } : {}), ...(p.k !== undefined ? { k: p.k } : {}) };
    },
  };
}

const versions = new WeakMap<Operation, string>();

/** A fingerprint of a list operation as resolved for an account: a cursor of another version is stale. */
export function operationVersion(def: Definition, op: Operation): string {
  let v = versions.get(op);
  if (v === undefined) {
    v = createHash('sha256').update(JSON.stringify([def.name, def.base_url, op])).digest('base64url').slice(0, 16);
    versions.set(op, v);
  }
  return v;
}

/**
 * The reason a provider continuation path (Salesforce `nextRecordsUrl`) is refused, or null: it
 * must be a plain path under the list operation's own path — no scheme or authority, no query or
 * fragment (which could replace the query), no dot-segments, encoded dots or slashes, backslashes
 * or control characters (which could climb out of it).
 */
export function continuationProblem(next: string, listPath: string): string | null {
  if (!next.startsWith('/') || next.startsWith('//')) return 'is not a path on the provider';
  // eslint-disable-next-line no-control-regex -- control characters are what is refused
  if (/[?#\\\s\x00-\x1f\x7f]/.test(next)) return 'carries a query, fragment or characters a path may not hold';
  if (/%(2e|2f|5c|00)/i.test(next)) return 'carries an encoded dot, slash or backslash';
  if (next.split('/').some((seg) => seg === '.' || seg === '..')) return 'carries a dot-segment';
  const base = listPath.replace(/\/+$/, '');
  if (next !== base && !next.startsWith(base + '/')) return 'is outside the list endpoint';
  return null;
}
