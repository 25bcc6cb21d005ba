/**
 * The one KvStore contract, run unchanged against every backend (memory, SQLite, real Redis).
 * `ttl` says how the suite advances time: a manual clock it can move, or real waiting.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KvStore } from '../../src/store/kv.js';

export interface KvFactory {
  name: string;
  /** A fresh, empty store. */
  open(): Promise<KvStore>;
  /** Lets `ms` pass for the store's TTLs (manual clock, or a real sleep). */
  advance(ms: number): Promise<void>;
  /** TTL used in expiry tests; small when time is real. */
  ttlMs: number;
}

export function kvContract(f: KvFactory, skip: string | false = false): void {
  describe.skipIf(skip)(`KvStore contract: ${f.name}${skip ? ` (skipped: ${skip})` : ''}`, () => {
    let kv: KvStore;
    beforeEach(async () => {
      kv = await f.open();
    });
    afterEach(async () => {
      await kv.close();
    });

    it('get/set/delete round-trip exact strings', async () => {
      expect(await kv.get('a')).toBeUndefined();
      const odd = 'ünï\u0000code "quoted" \n line';
      await kv.set('a', odd);
      expect(await kv.get('a')).toBe(odd);
      await kv.set('a', '');
      expect(await kv.get('a')).toBe('');
      expect(await kv.delete('a')).toBe(true);
      expect(await kv.delete('a')).toBe(false);
      expect(await kv.get('a')).toBeUndefined();
    });

    it('scan returns exactly the keys under a prefix, literally (no wildcards, case-sensitive)', async () => {
      const keys = ['acct:1', 'acct:2', 'acct:%x', 'acct:_y', 'acct:*z', 'acct:[q]', 'ACCT:3', 'acctx:4', 'lock:1'];
      for (const k of keys) await kv.set(k, `v-${k}`);
      const got = new Map<string, string>();
      for await (const [k, v] of kv.scan('acct:')) got.set(k, v);
      expect([...got.keys()].sort()).toEqual(['acct:%x', 'acct:*z', 'acct:1', 'acct:2', 'acct:[q]', 'acct:_y'].sort());
      expect(got.get('acct:1')).toBe('v-acct:1');
      const pct: string[] = [];
      for await (const [k] of kv.scan('acct:%')) pct.push(k);
      expect(pct).toEqual(['acct:%x']);
      const star: string[] = [];
      for await (const [k] of kv.scan('acct:*')) star.push(k);
      expect(star).toEqual(['acct:*z']);
    });

    it('scan pages through many keys', async () => {
      for (let i = 0; i < 1234; i++) await kv.set(`many:${String(i).padStart(4, '0')}`, String(i));
      let n = 0;
      const seen = new Set<string>();
      for await (const [k] of kv.scan('many:')) {
        n++;
        seen.add(k);
      }
      expect(n).toBe(1234);
      expect(seen.size).toBe(1234);
    });

    it('compareAndSet writes only when the current value matches (undefined = absent)', async () => {
      expect(await kv.compareAndSet('c', undefined, 'one')).toBe(true);
      expect(await kv.compareAndSet('c', undefined, 'two')).toBe(false);
      expect(await kv.compareAndSet('c', 'nope', 'two')).toBe(false);
      expect(await kv.get('c')).toBe('one');
      expect(await kv.compareAndSet('c', 'one', 'two')).toBe(true);
      expect(await kv.get('c')).toBe('two');
      await kv.set('e', '');
      expect(await kv.compareAndSet('e', undefined, 'x')).toBe(false);
      expect(await kv.compareAndSet('e', '', 'x')).toBe(true);
    });

    it('concurrent compareAndSet on one value: exactly one wins', async () => {
      await kv.set('race', '0');
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => kv.compareAndSet('race', '0', `w${i}`)));
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('setIfAbsent takes a key once; it expires after its TTL and can be taken again', async () => {
      const results = await Promise.all([kv.setIfAbsent('lock:x', 'a', f.ttlMs), kv.setIfAbsent('lock:x', 'b', f.ttlMs)]);
      expect(results.filter(Boolean)).toHaveLength(1);
      const owner = await kv.get('lock:x');
      expect(['a', 'b']).toContain(owner);
      await f.advance(f.ttlMs + 50);
      expect(await kv.get('lock:x')).toBeUndefined();
      const seen: string[] = [];
      for await (const [k] of kv.scan('lock:')) seen.push(k);
      expect(seen).toEqual([]);
      expect(await kv.setIfAbsent('lock:x', 'c', 60_000)).toBe(true);
      expect(await kv.get('lock:x')).toBe('c');
    });

    it('a plain set clears an earlier TTL', async () => {
      expect(await kv.setIfAbsent('t', 'a', f.ttlMs)).toBe(true);
      await kv.set('t', 'b');
      await f.advance(f.ttlMs + 50);
      expect(await kv.get('t')).toBe('b');
    });

    it('set with ttlMs expires', async () => {
      await kv.set('s', 'v', { ttlMs: f.ttlMs });
      expect(await kv.get('s')).toBe('v');
      await f.advance(f.ttlMs + 50);
      expect(await kv.get('s')).toBeUndefined();
    });

    it('extendIfEquals renews only the owner\'s entry, and not one that has expired', async () => {
      expect(await kv.setIfAbsent('lock:z', 'owner-1', f.ttlMs)).toBe(true);
      expect(await kv.extendIfEquals('lock:z', 'owner-2', 60_000)).toBe(false);
      expect(await kv.extendIfEquals('lock:z', 'owner-1', 60_000)).toBe(true);
      await f.advance(f.ttlMs + 50);
      expect(await kv.get('lock:z')).toBe('owner-1');
      expect(await kv.setIfAbsent('lock:z', 'owner-2', f.ttlMs)).toBe(false);
      expect(await kv.setIfAbsent('lock:w', 'owner-1', f.ttlMs)).toBe(true);
      await f.advance(f.ttlMs + 50);
      expect(await kv.extendIfEquals('lock:w', 'owner-1', 60_000)).toBe(false);
      expect(await kv.get('lock:w')).toBeUndefined();
    });

    it('deleteIfEquals deletes only the owner value', async () => {
      expect(await kv.setIfAbsent('lock:y', 'owner-1', 60_000)).toBe(true);
      expect(await kv.deleteIfEquals('lock:y', 'owner-2')).toBe(false);
      expect(await kv.get('lock:y')).toBe('owner-1');
      expect(await kv.deleteIfEquals('lock:y', 'owner-1')).toBe(true);
      expect(await kv.get('lock:y')).toBeUndefined();
      expect(await kv.deleteIfEquals('lock:y', 'owner-1')).toBe(false);
    });
  });
}
