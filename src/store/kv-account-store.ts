/**
 * AccountStore over any KvStore. Writes are optimistic: each stored record carries `version`,
 * and `update`/`putIfVersion` use the backend's compare-and-set on the exact stored string,
 * so two writers can never silently overwrite each other (no last-write-wins on credentials).
 *
 * With `cache`, `get` serves decrypted accounts from memory while the store announces no write
 * to them (read-cache.ts). Only readers that tolerate that bound get such a store (the tool call
 * path); everything that decides on credentials under a lock (the token manager) or writes
 * reads the store itself: the read-modify-write methods never use the cache.
 */
import { ACCOUNT_STATUSES, type AccountStatus, type LinkedAccount } from '../accounts/model.js';
import type { Clock } from '../core/deps.js';
import { CrmMcpError, isCrmMcpError } from '../core/errors.js';
import type { AccountStore } from './account-store.js';
import type { AccountCodec } from './codec.js';
import type { KvStore } from './kv.js';
import { keys } from './keys.js';
import type { ReadCache } from './read-cache.js';

const MAX_CAS_ATTEMPTS = 20;

export function createAccountStore(opts: { kv: KvStore; codec: AccountCodec; clock: Clock; cache?: ReadCache<LinkedAccount> }): AccountStore {
  const { kv, codec, clock, cache } = opts;

  const stamp = (next: LinkedAccount, previous: LinkedAccount | undefined): LinkedAccount => ({
    ...next,
    version: (previous?.version ?? 0) + 1,
    updated_at: new Date(clock.now()).toISOString(),
    ...(previous && previous.status !== next.status ? { status_changed_at: new Date(clock.now()).toISOString() } : {}),
  });

  const readRaw = async (id: string) => {
    const raw = await kv.get(keys.account(id));
    return raw === undefined ? undefined : { raw, account: codec.decode(id, raw) };
  };

  async function* iterate(onCorrupt?: (id: string, err: Error) => void): AsyncIterable<LinkedAccount> {
    for await (const [key, raw] of kv.scan(keys.accountPrefix)) {
      const id = keys.idFromAccountKey(key);
      try {
        yield codec.decode(id, raw);
      } catch (err) {
        if (!isCrmMcpError(err)) throw err;
        onCorrupt?.(id, err);
      }
    }
  }

  const collect = async (pred: (a: LinkedAccount) => boolean, onCorrupt?: (id: string, err: Error) => void) => {
    const out: LinkedAccount[] = [];
    for await (const a of iterate(onCorrupt)) if (pred(a)) out.push(a);
    return out.sort((a, b) => a.id.localeCompare(b.id));
  };

  return {
    async get(id) {
      if (cache) return cache.get(keys.account(id), async () => (await readRaw(id))?.account);
      return (await readRaw(id))?.account;
    },

    async put(account) {
      for (let i = 0; i < MAX_CAS_ATTEMPTS; i++) {
        const current = await readRaw(account.id).catch((err: unknown) => {
          // A corrupt entry may be replaced wholesale by an explicit put.
          if (isCrmMcpError(err, 'account_corrupt')) return undefined;
          throw err;
        });
        const rawNow = current ? current.raw : await kv.get(keys.account(account.id));
        const next = stamp(account, current?.account);
        if (await kv.compareAndSet(keys.account(account.id), rawNow, codec.encode(next))) return next;
      }
      throw new CrmMcpError('store_conflict', `account '${account.id}' kept changing while being written`);
    },

    async putIfVersion(next, expectedVersion) {
      const current = await readRaw(next.id);
      if (!current || current.account.version !== expectedVersion) return undefined;
      const stamped = stamp(next, current.account);
      return (await kv.compareAndSet(keys.account(next.id), current.raw, codec.encode(stamped))) ? stamped : undefined;
    },

    async update(id, mutate) {
      for (let i = 0; i < MAX_CAS_ATTEMPTS; i++) {
        const current = await readRaw(id);
        if (!current) throw new CrmMcpError('account_not_found', `account '${id}' not found`, { details: { accountId: id } });
        const mutated = mutate(current.account);
        if (mutated === undefined) return current.account;
        const next = stamp({ ...mutated, id }, current.account);
        if (await kv.compareAndSet(keys.account(id), current.raw, codec.encode(next))) return next;
      }
      throw new CrmMcpError('store_conflict', `account '${id}' kept changing while being updated`, { details: { accountId: id } });
    },

    async delete(id) {
      return kv.delete(keys.account(id));
    },

    listByTenant: (tenantId, o) => collect((a) => a.tenant_id === tenantId, o?.onCorrupt),
    listByStatus: (status, o) => collect((a) => a.status === status, o?.onCorrupt),

    async countByStatus(o) {
      const counts = Object.fromEntries(ACCOUNT_STATUSES.map((s) => [s, 0])) as Record<AccountStatus, number>;
      for await (const a of iterate(o?.onCorrupt)) counts[a.status]++;
      return counts;
    },

    list: (opts) => iterate(opts?.onCorrupt),
  };
}
