/**
 * The reconnect round's requestState (src/mcp/reauth.ts) as replicas share it: signed with a key
 * derived from the deployment's keyring (not the encryption key itself), accepted once through the
 * store, and verifiable across a key rotation while the old key is held.
 */
import { createRequestStateCodec, type ServerContext } from '@modelcontextprotocol/server';
import { describe, expect, it } from 'vitest';
import { cryptoRandom } from '../../src/core/deps.js';
import { createKeyring, type KeyEntry } from '../../src/crypto/keyring.js';
import { createReauthFlow, NONCE_PREFIX, type ReauthFlow } from '../../src/mcp/reauth.js';
import type { KvStore } from '../../src/store/kv.js';
import { createMemoryKv } from '../helpers/memory-kv.js';

const K1: KeyEntry = { kid: 'k1', key: Buffer.alloc(32, 1) };
const K2: KeyEntry = { kid: 'k2', key: Buffer.alloc(32, 2) };
const ctx = { mcpReq: { method: 'tools/call' } } as unknown as ServerContext;

const flow = (kv: KvStore, current: KeyEntry, others: KeyEntry[] = []) => createReauthFlow({ random: cryptoRandom, kv, keyring: createKeyring(current, others) });

async function mint(f: ReauthFlow, account = 'acct-1'): Promise<string> {
  const r = (await f.ask(ctx, account, 'list_contacts', 'https://app.example/reconnect', 'HubSpot')) as unknown as { requestState: string };
  return r.requestState;
}

async function nonces(kv: KvStore): Promise<string[]> {
  const out: string[] = [];
  for await (const [k] of kv.scan(NONCE_PREFIX)) out.push(k);
  return out;
}

describe('reauth requestState across replicas', () => {
  it('minted on one replica, accepted once on another sharing the keyring and the store; refused again on either', async () => {
    const kv = createMemoryKv();
    const [a, b] = [flow(kv, K1), flow(kv, K1)];
    const state = await mint(a);
    expect(state.startsWith('k1.')).toBe(true);
    await expect(b.verifierFor('acct-1')(state, ctx)).resolves.toMatchObject({ a: 'acct-1', t: 'list_contacts' });
    await expect(a.verifierFor('acct-1')(state, ctx)).rejects.toThrow('already used');
    await expect(b.verifierFor('acct-1')(state, ctx)).rejects.toThrow('already used');
    expect(await nonces(kv)).toHaveLength(1);
  });

  it('is signed with a key derived from the encryption key, never with the key itself', async () => {
    const state = await mint(flow(createMemoryKv(), K1));
    const raw = createRequestStateCodec({ key: new Uint8Array(K1.key), ttlSeconds: 600, bind: (c) => c.mcpReq.method });
    await expect(raw.verify(state.slice('k1.'.length), ctx)).rejects.toThrow();
  });

  it('refuses another deployment\'s state, another account\'s, a changed key id and a forged MAC, writing no nonce for any', async () => {
    const kv = createMemoryKv();
    const ours = flow(kv, K1);
    const foreign = await mint(flow(createMemoryKv(), { kid: 'k1', key: Buffer.alloc(32, 9) }));
    await expect(ours.verifierFor('acct-1')(foreign, ctx)).rejects.toThrow();
    const state = await mint(ours);
    await expect(ours.verifierFor('acct-2')(state, ctx)).rejects.toThrow('another account');
    await expect(ours.verifierFor('acct-1')(`k2${state.slice(2)}`, ctx)).rejects.toThrow("key id 'k2'");
    await expect(ours.verifierFor('acct-1')(`${state.slice(0, -2)}AA`, ctx)).rejects.toThrow();
    await expect(ours.verifierFor('acct-1')('not-a-state', ctx)).rejects.toThrow('malformed');
    expect(await nonces(kv)).toEqual([]);
    await expect(ours.verifierFor('acct-1')(state, ctx)).resolves.toMatchObject({ a: 'acct-1' });
  });

  it('key rotation: a state minted under the previous key verifies while the keyring holds it, and is refused naming the key once it is removed', async () => {
    const kv = createMemoryKv();
    const before = await mint(flow(kv, K1));
    const rotated = flow(kv, K2, [K1]);
    const newer = await mint(rotated);
    expect(newer.startsWith('k2.')).toBe(true);
    await expect(rotated.verifierFor('acct-1')(before, ctx)).resolves.toMatchObject({ a: 'acct-1' });
    const removed = flow(kv, K2);
    const another = await mint(flow(kv, K1));
    await expect(removed.verifierFor('acct-1')(another, ctx)).rejects.toThrow("key id 'k1', which this server does not hold");
    await expect(removed.verifierFor('acct-1')(newer, ctx)).resolves.toMatchObject({ a: 'acct-1' });
  });
});
