/**
 * Embedded KvStore: one SQLite file through @keyv/sqlite's adapter (its connection and
 * `query`), no server needed. WAL journaling makes every statement durable and atomic, so
 * a crash mid-write leaves the previous or the next value, never a torn one.
 *
 * Single-process: the atomic operations (compareAndSet, setIfAbsent, deleteIfEquals) are
 * serialized by an in-process mutex. Two processes writing the same file are not supported;
 * run several replicas on Redis. Readers in another process (e.g. `crm-mcp accounts list`
 * while a server runs) are fine: WAL lets them read while the server writes.
 *
 * Values live in the adapter's table; TTL entries (locks) keep their expiry in a second
 * table `<table>_ttl` written in the same transaction.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import KeyvSqlite from '@keyv/sqlite';
import { Mutex } from 'async-mutex';
import type { Clock } from '../core/deps.js';
import { systemClock } from '../core/deps.js';
import { CrmMcpError } from '../core/errors.js';
import type { KvStore } from './kv.js';

export interface SqliteKvOptions {
  /** File path (created with its directory if missing), or ':memory:'. */
  path: string;
  clock?: Clock;
  /** How long a statement waits for a lock held by another connection. */
  busyTimeoutMs?: number;
  table?: string;
}

const SCAN_PAGE = 500;

type Row = { key: string; value: string; expires_at: number | null };

export async function createSqliteKv(opts: SqliteKvOptions): Promise<KvStore & { readonly path: string }> {
  const clock = opts.clock ?? systemClock;
  const table = opts.table ?? 'kv';
  if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(table)) throw new CrmMcpError('config_invalid', `invalid SQLite table name '${table}'`);
  const ttlTable = `${table}_ttl`;
  const path = opts.path === ':memory:' ? opts.path : resolve(opts.path);
  if (path !== ':memory:') {
    try {
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    } catch (cause) {
      throw new CrmMcpError('store_unavailable', `cannot create the directory for the store file '${path}'`, { cause });
    }
  }
  const adapter = new KeyvSqlite({ uri: `sqlite://${path}`, table, busyTimeout: opts.busyTimeoutMs ?? 5_000 });
  // The adapter re-emits connection errors; we surface them as thrown errors instead.
  adapter.on('error', () => {});
  const mutex = new Mutex();
  let closed = false;

  const q = async <T = Row>(sql: string, ...params: unknown[]): Promise<T[]> => {
    if (closed) throw new CrmMcpError('store_unavailable', 'the embedded store is closed');
    try {
      return (await adapter.query(sql, ...params)) as T[];
    } catch (cause) {
      throw new CrmMcpError('store_unavailable', `embedded store (${path}) failed: ${(cause as Error).message}`, { cause });
    }
  };

  await q(`PRAGMA journal_mode=WAL`);
  await q(`PRAGMA synchronous=FULL`);
  await q(`CREATE TABLE IF NOT EXISTS ${ttlTable}(key TEXT PRIMARY KEY, expires_at INTEGER NOT NULL)`);

  const select = `SELECT k.key AS key, k.value AS value, t.expires_at AS expires_at FROM ${table} k LEFT JOIN ${ttlTable} t ON t.key = k.key`;
  const isLive = (r: Row) => r.expires_at === null || r.expires_at > clock.now();

  const readLive = async (key: string): Promise<string | undefined> => {
    const [row] = await q(`${select} WHERE k.key = ?`, key);
    return row && isLive(row) ? row.value : undefined;
  };

  /** Runs `body` in one SQLite transaction; callers hold the mutex so no statement interleaves. */
  const tx = async <T>(body: () => Promise<T>): Promise<T> => {
    await q('BEGIN IMMEDIATE');
    try {
      const out = await body();
      await q('COMMIT');
      return out;
    } catch (err) {
      await q('ROLLBACK').catch(() => {});
      throw err;
    }
  };

  const write = async (key: string, value: string, expiresAt: number | undefined) => {
    await q(`INSERT INTO ${table}(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`, key, value);
    if (expiresAt === undefined) await q(`DELETE FROM ${ttlTable} WHERE key = ?`, key);
    else await q(`INSERT INTO ${ttlTable}(key, expires_at) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET expires_at = excluded.expires_at`, key, expiresAt);
  };

  const remove = async (key: string) => {
    await q(`DELETE FROM ${table} WHERE key = ?`, key);
    await q(`DELETE FROM ${ttlTable} WHERE key = ?`, key);
  };

  const locked = <T>(fn: () => Promise<T>) => mutex.runExclusive(() => tx(fn));

  // Expired entries are invisible to reads; drop the leftovers once per open so they do not pile up.
  await locked(async () => {
    const now = clock.now();
    await q(`DELETE FROM ${table} WHERE key IN (SELECT key FROM ${ttlTable} WHERE expires_at <= ?)`, now);
    await q(`DELETE FROM ${ttlTable} WHERE expires_at <= ?`, now);
  });

  return {
    kind: 'sqlite',
    shared: false,
    path,
    get: readLive,
    set: (key, value, o) => locked(() => write(key, value, o?.ttlMs !== undefined ? clock.now() + o.ttlMs : undefined)),
    delete: (key) =>
      locked(async () => {
        const existed = (await readLive(key)) !== undefined;
        await remove(key);
        return existed;
      }),
    async *scan(prefix) {
      let after = '';
      for (;;) {
        // substr comparison rather than LIKE: LIKE is case-insensitive in SQLite and treats % and _ specially.
        const rows = await q(
          `${select} WHERE k.key > ? AND substr(k.key, 1, ?) = ? ORDER BY k.key LIMIT ?`,
          after,
          prefix.length,
          prefix,
          SCAN_PAGE,
        );
        for (const r of rows) if (isLive(r)) yield [r.key, r.value] as [string, string];
        const last = rows[rows.length - 1];
        if (!last || rows.length < SCAN_PAGE) return;
        after = last.key;
      }
    },
    compareAndSet: (key, expected, next) =>
      locked(async () => {
        if ((await readLive(key)) !== expected) return false;
        await write(key, next, undefined);
        return true;
      }),
    setIfAbsent: (key, value, ttlMs) =>
      locked(async () => {
        if ((await readLive(key)) !== undefined) return false;
        await write(key, value, clock.now() + ttlMs);
        return true;
      }),
    extendIfEquals: (key, value, ttlMs) =>
      locked(async () => {
        if ((await readLive(key)) !== value) return false;
        await write(key, value, clock.now() + ttlMs);
        return true;
      }),
    deleteIfEquals: (key, value) =>
      locked(async () => {
        if ((await readLive(key)) !== value) return false;
        await remove(key);
        return true;
      }),
    async close() {
      if (closed) return;
      await mutex.waitForUnlock();
      closed = true;
      try {
        await adapter.disconnect();
      } catch (cause) {
        throw new CrmMcpError('store_unavailable', `closing the embedded store (${path}) failed`, { cause });
      }
    },
  };
}
