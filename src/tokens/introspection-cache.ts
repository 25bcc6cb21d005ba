/**
 * Expiry of an access token whose grant does not say (Salesforce), learned by RFC 7662
 * introspection when the refresh config asks for it. What is learned is kept in memory and, while
 * the stored account still holds that access token, as its `expires_at`, so a token is
 * introspected once per process at most (once in all, when the write succeeds); concurrent
 * callers share one introspection.
 */
import type { LinkedAccount } from '../accounts/model.js';
import type { Deps } from '../core/deps.js';
import { introspectExpiry } from '../oauth/introspect.js';
import type { OAuthRefreshConfig } from '../oauth/refresh.js';
import type { AccountStore } from '../store/account-store.js';
import { knownExpiry } from './expiry.js';

export interface ExpiryCache {
  /** Epoch ms the account's access token expires at, or undefined when nothing can tell. */
  expiryOf(account: LinkedAccount, cfg: OAuthRefreshConfig | undefined): Promise<number | undefined>;
}

export interface ExpiryCacheOptions {
  deps: Pick<Deps, 'dispatcher' | 'logger'>;
  store: Pick<AccountStore, 'update'>;
  timeoutMs: number;
  /** The stored account now carries a learned expiry: it can be scheduled for a proactive refresh. */
  onStored(account: LinkedAccount): Promise<void>;
}

export function createExpiryCache(opts: ExpiryCacheOptions): ExpiryCache {
  const learned = new Map<string, { token: string; exp: number }>();
  const flights = new Map<string, Promise<number | undefined>>();
  const { dispatcher, logger: log } = opts.deps;

  async function remember(id: string, accessToken: string, exp: number): Promise<void> {
    learned.set(id, { token: accessToken, exp });
    try {
      let wrote = false;
      const next = await opts.store.update(id, (cur) => {
        const t = cur.context.oauth?.token;
        if (t?.access_token !== accessToken || t.expires_at) return undefined;
        wrote = true;
        return { ...cur, context: { ...cur.context, oauth: { token: { ...t, expires_at: new Date(exp).toISOString() } } } };
      });
      if (wrote) await opts.onStored(next);
    } catch (err) {
      // The in-memory copy still serves this process; the next process introspects once itself.
      log.warn('could not persist the introspected token expiry', { account_id: id, err });
    }
  }

  return {
    async expiryOf(a, cfg) {
      const t = a.context.oauth?.token;
      if (!t) return undefined;
      const known = knownExpiry(t, cfg?.expiry);
      if (known !== undefined || cfg?.expiry.kind !== 'introspection') return known;
      const hit = learned.get(a.id);
      if (hit?.token === t.access_token) return hit.exp;
      let flight = flights.get(a.id);
      if (!flight) {
        flight = introspectExpiry(cfg, cfg.expiry.url, t.access_token, { ...(dispatcher ? { dispatcher } : {}), timeoutMs: opts.timeoutMs })
          .then(async (exp) => {
            if (exp !== undefined) await remember(a.id, t.access_token, exp);
            return exp;
          })
          .finally(() => flights.delete(a.id));
        flights.set(a.id, flight);
      }
      return flight;
    },
  };
}
