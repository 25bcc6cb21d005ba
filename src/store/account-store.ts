/**
 * AccountStore: linked accounts on a KvStore, secrets encrypted before they reach it
 * (see STORAGE.md beside this file for the key layout). Reads decrypt in memory only.
 */
import type { AccountStatus, LinkedAccount } from '../accounts/model.js';

export interface ListOptions {
  /** Called with the id and the typed error ('account_corrupt', 'crypto_*') of each unreadable entry. */
  onCorrupt?: (id: string, err: Error) => void;
}

export interface AccountStore {
  /** Decrypted account, or undefined. A corrupt/undecodable entry throws 'account_corrupt' naming the id. */
  get(id: string): Promise<LinkedAccount | undefined>;
  /** Insert or replace; returns the stored account with `version` bumped and `updated_at` set. */
  put(account: LinkedAccount): Promise<LinkedAccount>;
  /**
   * Read-modify-write with optimistic concurrency: `mutate` gets the current account and returns
   * the next one; on a concurrent write it is re-run against the newer value (bounded retries,
   * then 'store_conflict'). Returning `undefined` from `mutate` aborts without writing.
   */
  update(id: string, mutate: (current: LinkedAccount) => LinkedAccount | undefined): Promise<LinkedAccount>;
  /** Writes `next` only if the stored version still equals `expectedVersion`. */
  putIfVersion(next: LinkedAccount, expectedVersion: number): Promise<LinkedAccount | undefined>;
  delete(id: string): Promise<boolean>;
  /** Listings and counts skip corrupt entries, reporting each through `onCorrupt`; they never throw for one. */
  listByTenant(tenantId: string, opts?: ListOptions): Promise<LinkedAccount[]>;
  listByStatus(status: AccountStatus, opts?: ListOptions): Promise<LinkedAccount[]>;
  countByStatus(opts?: ListOptions): Promise<Record<AccountStatus, number>>;
  /** Every account; corrupt entries are reported through `onCorrupt` and skipped, never thrown. */
  list(opts?: ListOptions): AsyncIterable<LinkedAccount>;
}
