/**
 * Embedded KvStore: one SQLite file through libsql (the SQLite fork whose npm package ships
 * prebuilt binaries for each platform, so installing compiles nothing), no server needed. WAL
 * journaling and synchronous=FULL make every statement durable and atomic, so a crash mid-write
 * leaves the previous or the next value, never a torn one.
 *
 * Statements run synchronously on the calling thread, so within one process no two operations
 * interleave. The atomic operations (compareAndSet, setIfAbsent, deleteIfEquals) run inside
 * BEGIN IMMEDIATE, which takes SQLite's write lock: another process on the same file (a stdio
 * server beside `serve`, the CLI) waits up to `busyTimeoutMs` for it and then sees the result.
 * Several replicas for one deployment still belong on Redis.
 *
 * Values live in table `<table>(key, value)`; TTL entries (locks) keep their expiry in a second
 * table `<table>_ttl` written in the same transaction.
 *
 * Changes (kv.ts `KvChanges`): this connection's writes are announced by key once committed;
 * other connections' commits (the CLI, a stdio server beside `serve`) are found by `check`, which
 * reads `PRAGMA data_version` (it moves when another connection commits) and announces them as
 * "any key".
 *
 * Permissions: the store file and its `-wal`/`-shm` companions are 0600 and a directory this
 * creates is 0700, whatever the umask (SQLite gives the companions the main file's mode, so the
 * file is created 0600 before SQLite opens it; files left wider by an older version are
 * narrowed on open). A store this process may not write (a read-only file, a read-only copy)
 * opens for reading: reads work, every write fails as 'store_unavailable' saying why.
 */
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'libsql';
import type { Clock } from '../core/deps.js';
import { systemClock } from '../core/deps.js';
import { CrmMcpError } from '../core/errors.js';
import { createChangeListeners } from './changes.js';
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

/** `value` as read: a BLOB (what this module writes) or TEXT (stores written through @keyv/sqlite). */
type Row = { key: string; value: ArrayBuffer | string; expires_at: number | null };

/**
 * Values are written as UTF-8 BLOBs: libsql binds a JS string as a C string, which would cut a
 * value at its first NUL character; a BLOB keeps every string exact.
 */
const encode = (value: string): Buffer => Buffer.from(value, 'utf8');
const decode = (value: Row['value']): string => (typeof value === 'string' ? value : Buffer.from(value).toString('utf8'));

/** The directory (0700 when created here) and an empty store file created 0600 before SQLite opens it. */
function prepareFiles(path: string): void {
  const dir = dirname(path);
  try {
    if (!existsSync(dir)) {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      chmodSync(dir, 0o700);
    }
  } catch (cause) {
    throw new CrmMcpError('store_unavailable', `cannot create the directory for the store file '${path}'`, { cause });
  }
  if (existsSync(path)) return;
  try {
    closeSync(openSync(path, 'wx', 0o600));
    chmodSync(path, 0o600);
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code !== 'EEXIST') throw new CrmMcpError('store_unavailable', `cannot create the store file '${path}'`, { cause });
  }
}

/** Narrows the store file and its WAL companions to 0600 (best effort: a file owned by another user or on a read-only mount stays). */
function narrowModes(path: string): void {
  for (const f of [path, `${path}-wal`, `${path}-shm`]) {
    try {
      if ((statSync(f).mode & 0o077) !== 0) chmodSync(f, 0o600);
    } catch {
      // absent, or not ours to change
    }
  }
}

export async function createSqliteKv(opts: SqliteKvOptions): Promise<KvStore & { readonly path: string; readonly readOnly: boolean }> {
  const clock = opts.clock ?? systemClock;
  const table = opts.table ?? 'kv';
  if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(table)) throw new CrmMcpError('config_invalid', `invalid SQLite table name '${table}'`);
  const ttlTable = `${table}_ttl`;
  const path = opts.path === ':memory:' ? opts.path : resolve(opts.path);
  if (path !== ':memory:') prepareFiles(path);
  const failed = (cause: unknown) => new CrmMcpError('store_unavailable', `embedded store (${path}) failed: ${(cause as Error).message}`, { cause });
  let db: Database.Database;
  try {
    db = new Database(path, { timeout: opts.busyTimeoutMs ?? 5_000 });
  } catch (cause) {
    throw failed(cause);
  }
  let closed = false;

  /** Runs `body` against the open database, every SQLite error as 'store_unavailable'. */
  const use = <T>(body: () => T): T => {
    if (closed) throw new CrmMcpError('store_unavailable', 'the embedded store is closed');
    try {
      return body();
    } catch (cause) {
      throw cause instanceof CrmMcpError ? cause : failed(cause);
    }
  };

  let readOnly = false;
  const isReadOnlyError = (err: unknown): boolean => /SQLITE_READONLY|readonly/i.test(`${(err as { code?: string }).code ?? ''} ${String((err as Error).cause ?? '')} ${String(err)}`);
  try {
    use(() => {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      // The schema @keyv/sqlite created in stores written by earlier versions; reopened as is.
      db.exec(`CREATE TABLE IF NOT EXISTS ${table}(key VARCHAR(255) PRIMARY KEY, value TEXT)`);
      db.exec(`CREATE TABLE IF NOT EXISTS ${ttlTable}(key TEXT PRIMARY KEY, expires_at INTEGER NOT NULL)`);
    });
  } catch (err) {
    if (!isReadOnlyError(err)) throw err;
    readOnly = true;
  }
  if (path !== ':memory:') narrowModes(path);

  const sql = use(() => ({
    get: db.prepare(`SELECT k.key AS key, k.value AS value, t.expires_at AS expires_at FROM ${table} k LEFT JOIN ${ttlTable} t ON t.key = k.key WHERE k.key = ?`),
    // substr comparison rather than LIKE: LIKE is case-insensitive in SQLite and treats % and _ specially.
    page: db.prepare(
      `SELECT k.key AS key, k.value AS value, t.expires_at AS expires_at FROM ${table} k LEFT JOIN ${ttlTable} t ON t.key = k.key ` +
        `WHERE k.key > ? AND substr(k.key, 1, ?) = ? ORDER BY k.key LIMIT ?`,
    ),
    upsert: db.prepare(`INSERT INTO ${table}(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`),
    upsertTtl: db.prepare(`INSERT INTO ${ttlTable}(key, expires_at) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET expires_at = excluded.expires_at`),
    deleteValue: db.prepare(`DELETE FROM ${table} WHERE key = ?`),
    deleteTtl: db.prepare(`DELETE FROM ${ttlTable} WHERE key = ?`),
    expireValues: db.prepare(`DELETE FROM ${table} WHERE key IN (SELECT key FROM ${ttlTable} WHERE expires_at <= ?)`),
    expireTtls: db.prepare(`DELETE FROM ${ttlTable} WHERE expires_at <= ?`),
    dataVersion: db.prepare('PRAGMA data_version'),
  }));

  const isLive = (r: Row) => r.expires_at === null || r.expires_at > clock.now();
  const readLive = (key: string): string | undefined => {
    const row = sql.get.get(key) as Row | undefined;
    return row && isLive(row) ? decode(row.value) : undefined;
  };
  const listeners = createChangeListeners();
  /** Keys the current transaction wrote: announced once it commits. */
  let touched: string[] = [];
  const write = (key: string, value: string, expiresAt: number | undefined) => {
    touched.push(key);
    sql.upsert.run(key, encode(value));
    if (expiresAt === undefined) sql.deleteTtl.run(key);
    else sql.upsertTtl.run(key, expiresAt);
  };
  const remove = (key: string) => {
    touched.push(key);
    sql.deleteValue.run(key);
    sql.deleteTtl.run(key);
  };

  /** Runs `body` in one write transaction (BEGIN IMMEDIATE: the write lock is taken before the reads). */
  const tx = <T>(body: () => T): Promise<T> => {
    if (readOnly) return Promise.reject(new CrmMcpError('store_unavailable', `the embedded store ${path} is read-only for this process: it can be read, not written`));
    try {
      return Promise.resolve(
        use(() => {
          db.exec('BEGIN IMMEDIATE');
          touched = [];
          try {
            const out = body();
            db.exec('COMMIT');
            const keys = touched;
            touched = [];
            for (const k of keys) listeners.emit(k);
            return out;
          } catch (err) {
            touched = [];
            if (db.inTransaction) db.exec('ROLLBACK');
            throw err;
          }
        }),
      );
    } catch (err) {
      return Promise.reject(err);
    }
  };

  // Expired entries are invisible to reads; drop the leftovers once per open so they do not pile up.
  if (!readOnly) {
    try {
      await tx(() => {
        const now = clock.now();
        sql.expireValues.run(now);
        sql.expireTtls.run(now);
      });
    } catch (err) {
      if (!isReadOnlyError(err)) throw err;
      readOnly = true;
    }
  }

  let dataVersion: unknown;
  const changes = {
    live: false,
    subscribe: listeners.subscribe,
    async check() {
      try {
        const v = use(() => (sql.dataVersion.get() as { data_version: number }).data_version);
        if (v !== dataVersion) listeners.emit(undefined);
        dataVersion = v;
      } catch {
        dataVersion = undefined;
        listeners.emit(undefined);
      }
    },
  };

  return {
    kind: 'sqlite',
    shared: false,
    path,
    changes,
    get readOnly() {
      return readOnly;
    },
    get: async (key) => use(() => readLive(key)),
    set: (key, value, o) => tx(() => write(key, value, o?.ttlMs !== undefined ? clock.now() + o.ttlMs : undefined)),
    delete: (key) =>
      tx(() => {
        const existed = readLive(key) !== undefined;
        remove(key);
        return existed;
      }),
    async *scan(prefix) {
      let after = '';
      for (;;) {
        const rows = use(() => sql.page.all(after, prefix.length, prefix, SCAN_PAGE) as Row[]);
        for (const r of rows) if (isLive(r)) yield [r.key, decode(r.value)] as [string, string];
        const last = rows[rows.length - 1];
        if (!last || rows.length < SCAN_PAGE) return;
        after = last.key;
      }
    },
    compareAndSet: (key, expected, next) =>
      tx(() => {
        if (readLive(key) !== expected) return false;
        write(key, next, undefined);
        return true;
      }),
    setIfAbsent: (key, value, ttlMs) =>
      tx(() => {
        if (readLive(key) !== undefined) return false;
        write(key, value, clock.now() + ttlMs);
        return true;
      }),
    extendIfEquals: (key, value, ttlMs) =>
      tx(() => {
        if (readLive(key) !== value) return false;
        write(key, value, clock.now() + ttlMs);
        return true;
      }),
    deleteIfEquals: (key, value) =>
      tx(() => {
        if (readLive(key) !== value) return false;
        remove(key);
        return true;
      }),
    async close() {
      if (closed) return;
      closed = true;
      try {
        db.close();
      } catch (cause) {
        throw new CrmMcpError('store_unavailable', `closing the embedded store (${path}) failed`, { cause });
      }
    },
  };
}
