/**
 * The AccountCodec the real stores use: every secret field is replaced by an AES-256-GCM
 * envelope before the record reaches the KvStore, and decrypted only in memory on read.
 * Secret fields: SECRET_PATHS (access/refresh token, API key) plus any context field the
 * integration definition marks secret. The AAD is `acct:<id>:<path>`, so an envelope moved
 * to another account or field fails as 'crypto_tampered'.
 *
 * Definition-marked context fields may hold any JSON value; they are encrypted as JSON text.
 */
import { SECRET_PATHS, type LinkedAccount } from '../accounts/model.js';
import { CrmMcpError, isCrmMcpError } from '../core/errors.js';
import { parseJson, parseStoredAccount, type AccountCodec } from '../store/codec.js';
import { decryptValue, encryptValue, envelopeKid, isEnvelope } from './envelope.js';
import type { Keyring } from './keyring.js';

export interface EncryptingCodecOptions {
  keyring: Keyring;
  /** Context fields (top-level keys of `context`) the integration's definition marks secret. */
  secretContextFields?: (integration: string) => readonly string[];
}

export interface EncryptingCodec extends AccountCodec {
  /** Key ids of the envelopes in a stored record, plus 'plaintext' for unencrypted secret fields. */
  keyIdsOf(id: string, raw: string): Set<string>;
}

interface SecretField {
  path: readonly string[];
  json: boolean;
}

const FIXED: SecretField[] = SECRET_PATHS.map((p) => ({ path: p.split('.'), json: false }));

export function accountAad(accountId: string, path: readonly string[]): string {
  return `acct:${accountId}:${path.join('.')}`;
}

export function secretFieldsFor(integration: unknown, extra?: (integration: string) => readonly string[]): SecretField[] {
  const fixed = new Set(SECRET_PATHS.map((p) => p.split('.')[1]));
  const more = typeof integration === 'string' && extra ? extra(integration) : [];
  return [...FIXED, ...more.filter((f) => !fixed.has(f)).map((f) => ({ path: ['context', f], json: true }))];
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Applies `fn` to the value at `path` in a deep copy's container; absent paths are left alone. */
function mapAt(root: Obj, path: readonly string[], fn: (v: unknown) => unknown): void {
  let node: unknown = root;
  for (let i = 0; i < path.length - 1; i++) {
    const k = path[i]!;
    if (!isObj(node) || !isObj(node[k])) return;
    node[k] = { ...(node[k] as Obj) };
    node = node[k];
  }
  const last = path[path.length - 1]!;
  if (!isObj(node) || !(last in node) || node[last] === undefined || node[last] === null) return;
  node[last] = fn(node[last]);
}

function valueAt(root: unknown, path: readonly string[]): unknown {
  let node = root;
  for (const k of path) {
    if (!isObj(node)) return undefined;
    node = node[k];
  }
  return node;
}

export function createEncryptingCodec(opts: EncryptingCodecOptions): EncryptingCodec {
  const { keyring } = opts;
  return {
    encode(account: LinkedAccount): string {
      const out: Obj = { ...account };
      for (const f of secretFieldsFor(account.integration, opts.secretContextFields)) {
        mapAt(out, f.path, (v) => encryptValue(keyring, f.json ? JSON.stringify(v) : String(v), accountAad(account.id, f.path)));
      }
      return JSON.stringify(out);
    },

    decode(id: string, raw: string): LinkedAccount {
      const json = parseJson(id, raw);
      if (!isObj(json)) return parseStoredAccount(id, json);
      const out: Obj = { ...json };
      for (const f of secretFieldsFor(json.integration, opts.secretContextFields)) {
        mapAt(out, f.path, (v) => {
          // Every secret is written as an envelope; anything else there was put by hand or tampered with.
          if (!isEnvelope(v)) {
            throw new CrmMcpError('crypto_tampered', `stored account '${id}', field ${f.path.join('.')}: secret is not an encrypted envelope`, {
              details: { accountId: id, field: f.path.join('.') },
            });
          }
          try {
            const plain = decryptValue(keyring, v, accountAad(id, f.path));
            return f.json ? JSON.parse(plain) : plain;
          } catch (err) {
            if (isCrmMcpError(err)) {
              throw new CrmMcpError(err.code, `stored account '${id}', field ${f.path.join('.')}: ${err.message}`, {
                cause: err,
                details: { ...err.details, accountId: id, field: f.path.join('.') },
              });
            }
            throw new CrmMcpError('account_corrupt', `stored account '${id}', field ${f.path.join('.')}: undecodable secret`, { cause: err, details: { accountId: id } });
          }
        });
      }
      return parseStoredAccount(id, out);
    },

    keyIdsOf(id: string, raw: string): Set<string> {
      const json = parseJson(id, raw);
      const kids = new Set<string>();
      if (!isObj(json)) return kids;
      for (const f of secretFieldsFor(json.integration, opts.secretContextFields)) {
        const v = valueAt(json, f.path);
        if (v === undefined || v === null) continue;
        kids.add(envelopeKid(v) ?? 'plaintext');
      }
      return kids;
    },
  };
}
