/**
 * The AccountStore contract over a KvStore, run unchanged against every backend with the
 * encrypting codec (the production composition).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ACCOUNT_STATUSES } from '../../src/accounts/model.js';
import { isCrmMcpError } from '../../src/core/errors.js';
import { createEncryptingCodec } from '../../src/crypto/encrypting-codec.js';
import { createKeyring, generateKey } from '../../src/crypto/keyring.js';
import type { AccountStore } from '../../src/store/account-store.js';
import { createAccountStore } from '../../src/store/kv-account-store.js';
import type { KvStore } from '../../src/store/kv.js';
import { makeAccount } from '../helpers/accounts.js';
import { manualClock } from '../helpers/manual-clock.js';

export function accountStoreContract(name: string, openKv: () => Promise<KvStore>, skip: string | false = false): void {
  describe.skipIf(skip)(`AccountStore contract: ${name}${skip ? ` (skipped: ${skip})` : ''}`, () => {
    let kv: KvStore;
    let store: AccountStore;
    const clock = manualClock();
    const keyring = createKeyring(generateKey('k1'));
    beforeEach(async () => {
      kv = await openKv();
      store = createAccountStore({ kv, codec: createEncryptingCodec({ keyring }), clock });
    });
    afterEach(async () => {
      await kv.close();
    });

    it('put/get round-trips, bumping version and updated_at', async () => {
      expect(await store.get('a1')).toBeUndefined();
      const a = makeAccount('a1');
      const saved = await store.put(a);
      expect(saved.version).toBe(1);
      expect(saved.updated_at).toBe(new Date(clock.now()).toISOString());
      expect(await store.get('a1')).toEqual(saved);
      const again = await store.put({ ...saved, status: 'needs_reauth' });
      expect(again.version).toBe(2);
      expect(again.status_changed_at).toBeDefined();
      expect((await store.get('a1'))?.status).toBe('needs_reauth');
    });

    it('update re-runs the mutation on a concurrent write, so neither write is lost', async () => {
      await store.put(makeAccount('u1'));
      // A KvStore view where a concurrent writer (e.g. a token refresh) lands just before our first write.
      let injected = false;
      const racing: KvStore = {
        ...kv,
        scan: (p) => kv.scan(p),
        async compareAndSet(k, e, n) {
          if (!injected) {
            injected = true;
            await store.update('u1', (cur) => ({ ...cur, context: { ...cur.context, hub_id: 99 } }));
          }
          return kv.compareAndSet(k, e, n);
        },
      };
      const racer = createAccountStore({ kv: racing, codec: createEncryptingCodec({ keyring }), clock });
      let calls = 0;
      const updated = await racer.update('u1', (cur) => {
        calls++;
        return { ...cur, last_error: { code: 'x', message: 'y', at: '2026-01-01T00:00:00.000Z' } };
      });
      expect(calls).toBe(2);
      const got = await store.get('u1');
      expect(got?.context.hub_id).toBe(99);
      expect(got?.last_error?.code).toBe('x');
      expect(got?.version).toBe(3);
      expect(updated).toEqual(got);
    });

    it('many concurrent updates all apply (no last-write-wins)', async () => {
      await store.put(makeAccount('c1', { context: { n: 0 } }));
      await Promise.all(Array.from({ length: 8 }, () => store.update('c1', (cur) => ({ ...cur, context: { ...cur.context, n: (cur.context.n as number) + 1 } }))));
      expect((await store.get('c1'))?.context.n).toBe(8);
    });

    it('update of a missing account is account_not_found; returning undefined writes nothing', async () => {
      await expect(store.update('missing', (a) => a)).rejects.toSatisfy((e) => isCrmMcpError(e, 'account_not_found'));
      const saved = await store.put(makeAccount('n1'));
      expect(await store.update('n1', () => undefined)).toEqual(saved);
      expect((await store.get('n1'))?.version).toBe(saved.version);
    });

    it('putIfVersion writes only on the expected version', async () => {
      const saved = await store.put(makeAccount('v1'));
      expect(await store.putIfVersion({ ...saved, status: 'needs_reauth' }, saved.version + 1)).toBeUndefined();
      const next = await store.putIfVersion({ ...saved, status: 'needs_reauth' }, saved.version);
      expect(next?.version).toBe(saved.version + 1);
      expect(await store.putIfVersion({ ...saved, status: 'active' }, saved.version)).toBeUndefined();
      expect((await store.get('v1'))?.status).toBe('needs_reauth');
    });

    it('delete, listByTenant, listByStatus, countByStatus', async () => {
      await store.put(makeAccount('t1', { tenant_id: 'A' }));
      await store.put(makeAccount('t2', { tenant_id: 'A', status: 'needs_reauth' }));
      await store.put(makeAccount('t3', { tenant_id: 'B', status: 'connecting' }));
      expect((await store.listByTenant('A')).map((a) => a.id)).toEqual(['t1', 't2']);
      expect((await store.listByTenant('C')).map((a) => a.id)).toEqual([]);
      expect((await store.listByStatus('needs_reauth')).map((a) => a.id)).toEqual(['t2']);
      const counts = await store.countByStatus();
      expect(Object.keys(counts).sort()).toEqual([...ACCOUNT_STATUSES].sort());
      expect(counts).toMatchObject({ active: 1, needs_reauth: 1, connecting: 1, post_install_error: 0, validation_error: 0 });
      expect(await store.delete('t2')).toBe(true);
      expect(await store.delete('t2')).toBe(false);
      expect((await store.listByTenant('A')).map((a) => a.id)).toEqual(['t1']);
    });

    it('a corrupt or undecodable entry is a clear error naming the account; the rest keeps working', async () => {
      await store.put(makeAccount('good1'));
      await store.put(makeAccount('good2'));
      const tamperedSrc = await store.put(makeAccount('tampered'));
      await kv.set('acct:garbage', '{not json');
      await kv.set('acct:badshape', JSON.stringify({ id: 'badshape', status: 'nope' }));
      // Flip one ciphertext character of the stored refresh token.
      const raw = (await kv.get('acct:tampered'))!;
      const rec = JSON.parse(raw) as { context: { oauth: { token: { refresh_token: string } } } };
      const parts = rec.context.oauth.token.refresh_token.split('.');
      const ct = parts[4]!;
      parts[4] = (ct[0] === 'A' ? 'B' : 'A') + ct.slice(1);
      rec.context.oauth.token.refresh_token = parts.join('.');
      await kv.set('acct:tampered', JSON.stringify(rec));
      // A secret field holding a bare value (written around the codec, or an envelope cut apart) is not taken as plaintext.
      await store.put(makeAccount('stripped'));
      const rawStripped = JSON.parse((await kv.get('acct:stripped'))!) as { context: { oauth: { token: { access_token: string } } } };
      rawStripped.context.oauth.token.access_token = 'at-injected-SECRETACCESS';
      await kv.set('acct:stripped', JSON.stringify(rawStripped));

      await expect(store.get('garbage')).rejects.toSatisfy((e) => isCrmMcpError(e, 'account_corrupt') && e.message.includes("'garbage'"));
      await expect(store.get('badshape')).rejects.toSatisfy((e) => isCrmMcpError(e, 'account_corrupt') && e.message.includes("'badshape'"));
      await expect(store.get('stripped')).rejects.toSatisfy(
        (e) => isCrmMcpError(e, 'crypto_tampered') && e.message.includes("'stripped'") && e.message.includes('access_token') && !e.message.includes('SECRET'),
      );
      await expect(store.get('tampered')).rejects.toSatisfy(
        (e) => isCrmMcpError(e, 'crypto_tampered') && e.message.includes("'tampered'") && !e.message.includes('SECRET'),
      );

      const corrupt: string[] = [];
      const listed: string[] = [];
      for await (const a of store.list({ onCorrupt: (id) => corrupt.push(id) })) listed.push(a.id);
      expect(listed.sort()).toEqual(['good1', 'good2']);
      expect(corrupt.sort()).toEqual(['badshape', 'garbage', 'stripped', 'tampered']);
      const reported: string[] = [];
      const onCorrupt = (id: string, err: Error) => reported.push(`${id}:${(err as { code?: string }).code}`);
      expect((await store.listByTenant('tenant-a', { onCorrupt })).map((a) => a.id)).toEqual(['good1', 'good2']);
      expect(reported.sort()).toEqual(['badshape:account_corrupt', 'garbage:account_corrupt', 'stripped:crypto_tampered', 'tampered:crypto_tampered']);
      expect((await store.listByStatus('active')).map((a) => a.id)).toEqual(['good1', 'good2']);
      expect((await store.countByStatus()).active).toBe(2);
      expect((await store.get('good1'))?.context.oauth?.token.access_token).toBe('at-good1-SECRETACCESS');

      // An explicit put replaces a corrupt entry.
      const fixed = await store.put(makeAccount('garbage'));
      expect(await store.get('garbage')).toEqual(fixed);
      expect(tamperedSrc.id).toBe('tampered');
    });
  });
}
