/**
 * What any listing or `show` of an account prints: every secret field masked as `****` plus
 * its last 4 characters (values of 8 characters or fewer fully masked). `revealAccount` is the
 * explicit opt-out, for export only.
 */
import { maskSecret } from '../core/redact.js';
import { SECRET_PATHS, type LinkedAccount } from './model.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export function maskValue(v: unknown): string {
  return typeof v === 'string' ? maskSecret(v) : '****';
}

/**
 * A copy with secrets masked. `secretContextFields` lists context fields the integration's
 * definition marks secret (masked whatever their type).
 */
export function maskAccount(account: LinkedAccount, secretContextFields: readonly string[] = []): LinkedAccount {
  const out = structuredClone(account) as Obj;
  const paths = [...SECRET_PATHS.map((p) => p.split('.')), ...secretContextFields.map((f) => ['context', f])];
  for (const path of paths) {
    let node: unknown = out;
    for (const k of path.slice(0, -1)) node = isObj(node) ? node[k] : undefined;
    const last = path[path.length - 1]!;
    if (isObj(node) && node[last] !== undefined && node[last] !== null) node[last] = maskValue(node[last]);
  }
  return out as LinkedAccount;
}

/** The account with secrets in clear. Only for explicit export; never for listings or logs. */
export function revealAccount(account: LinkedAccount): LinkedAccount {
  return structuredClone(account);
}
