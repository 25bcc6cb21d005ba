/**
 * Stores written before the embedded store moved to libsql (through @keyv/sqlite: table
 * `kv(key VARCHAR(255) PRIMARY KEY, value TEXT)`, values as TEXT) open and read unchanged, and
 * take new writes beside the old rows.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'libsql';
import { describe, expect, it } from 'vitest';
import { createSqliteKv } from '../../src/store/sqlite-kv.js';

describe('embedded store written by @keyv/sqlite', () => {
  it('reads its TEXT values and TTL rows, and writes beside them', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'crm-mcp-sqlite-upgrade-')), 'store.sqlite');
    const old = new Database(path);
    old.exec('CREATE TABLE kv(key VARCHAR(255) PRIMARY KEY, value TEXT )');
    old.exec('CREATE TABLE kv_ttl(key TEXT PRIMARY KEY, expires_at INTEGER NOT NULL)');
    old.prepare('INSERT INTO kv(key, value) VALUES(?, ?)').run('acct:a1', '{"id":"a1","v":"ünï"}');
    old.prepare('INSERT INTO kv(key, value) VALUES(?, ?)').run('lock:x', 'owner');
    old.prepare('INSERT INTO kv_ttl(key, expires_at) VALUES(?, ?)').run('lock:x', Date.now() + 60_000);
    old.close();

    const kv = await createSqliteKv({ path });
    try {
      expect(await kv.get('acct:a1')).toBe('{"id":"a1","v":"ünï"}');
      expect(await kv.setIfAbsent('lock:x', 'other', 1000)).toBe(false);
      expect(await kv.compareAndSet('acct:a1', '{"id":"a1","v":"ünï"}', 'next')).toBe(true);
      await kv.set('acct:a2', 'new');
      const all: Array<[string, string]> = [];
      for await (const e of kv.scan('acct:')) all.push(e);
      expect(all.sort()).toEqual([['acct:a1', 'next'], ['acct:a2', 'new']]);
    } finally {
      await kv.close();
    }
  });
});
