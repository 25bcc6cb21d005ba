/**
 * Key rotation: re-encrypts every stored account under the keyring's current key, then has each
 * set of sealed secrets (e.g. the OAuth client store) re-seal its values under the current key
 * and their purpose. Safe while a server keeps running: each account goes through
 * AccountStore.update (compare-and-set on the exact stored string), so a concurrent token
 * refresh is re-read, never overwritten. Accounts that cannot be read (corrupt, unknown key,
 * tampered) are reported by id and skipped; so are sealed values, by key.
 */
import { isCrmMcpError } from '../core/errors.js';
import type { AuditPort } from '../audit/log.js';
import type { AccountStore } from '../store/account-store.js';
import { keys } from '../store/keys.js';
import type { KvStore } from '../store/kv.js';
import type { EncryptingCodec } from './encrypting-codec.js';
import type { Keyring } from './keyring.js';

export interface RotateResult {
  /** Key id everything is now encrypted under. */
  kid: string;
  total: number;
  rotated: number;
  /** Already entirely under the current key. */
  unchanged: number;
  /** Deleted between the scan and the rewrite. */
  vanished: number;
  failed: { id: string; code: string; message: string }[];
  /** Sealed secrets kept outside accounts. */
  sealed: ResealResult;
}

export interface ResealResult {
  total: number;
  resealed: number;
  /** Already sealed for their purpose under the current key. */
  unchanged: number;
  failed: { key: string; code: string; message: string }[];
}

/** Sealed values kept outside accounts, which `rotate` has re-sealed under the current key. */
export interface SealedSecretSet {
  /** Re-seals every value not yet under the current key and its purpose AAD; values that do not open are reported, not fatal. */
  resealAll(): Promise<ResealResult>;
}

export async function rotate(opts: {
  kv: KvStore;
  accounts: AccountStore;
  codec: EncryptingCodec;
  keyring: Keyring;
  sealed?: readonly SealedSecretSet[];
  /** Where the run is recorded: one entry per run, never key material. */
  audit?: { trail: AuditPort; actor: string };
}): Promise<RotateResult> {
  const { kv, accounts, codec, keyring } = opts;
  const sealed: ResealResult = { total: 0, resealed: 0, unchanged: 0, failed: [] };
  const result: RotateResult = { kid: keyring.current.kid, total: 0, rotated: 0, unchanged: 0, vanished: 0, failed: [], sealed };
  const ids: string[] = [];
  for await (const [key] of kv.scan(keys.accountPrefix)) ids.push(keys.idFromAccountKey(key));
  ids.sort();
  for (const id of ids) {
    result.total++;
    try {
      const raw = await kv.get(keys.account(id));
      if (raw === undefined) {
        result.vanished++;
        continue;
      }
      const kids = codec.keyIdsOf(id, raw);
      if ([...kids].every((k) => k === keyring.current.kid)) {
        // Still decode it, so an unreadable record is reported rather than counted as fine.
        codec.decode(id, raw);
        result.unchanged++;
        continue;
      }
      // Returning the account unchanged makes the store re-encode it under the current key.
      await accounts.update(id, (a) => a);
      result.rotated++;
    } catch (err) {
      if (isCrmMcpError(err, 'account_not_found')) {
        result.vanished++;
        continue;
      }
      if (!isCrmMcpError(err)) throw err;
      result.failed.push({ id, code: err.code, message: err.message });
    }
  }
  for (const set of opts.sealed ?? []) {
    const r = await set.resealAll();
    sealed.total += r.total;
    sealed.resealed += r.resealed;
    sealed.unchanged += r.unchanged;
    sealed.failed.push(...r.failed);
  }
  await opts.audit?.trail.append({
    operation: 'key_rotation',
    outcome: result.failed.length === 0 && sealed.failed.length === 0 ? 'success' : 'failure',
    actor: opts.audit.actor,
    details: {
      kid: result.kid, total: result.total, rotated: result.rotated, unchanged: result.unchanged, vanished: result.vanished, failed: result.failed.map((f) => ({ id: f.id, code: f.code })),
      sealed: { total: sealed.total, resealed: sealed.resealed, unchanged: sealed.unchanged, failed: sealed.failed.map((f) => ({ key: f.key, code: f.code })) },
    },
  });
  return result;
}
