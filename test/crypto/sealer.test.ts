/**
 * Sealed secrets are bound to their purpose (AAD `seal:<purpose>`), through the stores that keep
 * them: an OAuth client secret moved into an OAuth state record's verifier field (or the
 * reverse) is refused; values sealed before purposes existed (fixed AAD) still open and the
 * client store writes them back sealed for their purpose.
 */
import { describe, expect, it } from 'vitest';
import { createOAuthStateStore, type OAuthStateStore } from '../../src/connect/oauth-state.js';
import { cryptoRandom } from '../../src/core/deps.js';
import { decryptValue, encryptValue } from '../../src/crypto/envelope.js';
import { createKeyring, generateKey } from '../../src/crypto/keyring.js';
import { createSealer } from '../../src/crypto/sealer.js';
import { createOAuthClientStore } from '../../src/oauth-clients/store.js';
import type { KvStore } from '../../src/store/kv.js';
import { createMemoryKv } from '../helpers/memory-kv.js';
import { manualClock } from '../helpers/manual-clock.js';

const LEGACY_AAD = 'crm-mcp:sealed-secret';
const CLIENT_KEY = 'oauth-client:hubspot:*';
const k1 = generateKey('k1');
const k2 = generateKey('k2');

function stores(kv: KvStore, ring = createKeyring(k1)) {
  const sealer = createSealer(ring);
  const clock = manualClock();
  return { sealer, clients: createOAuthClientStore({ kv, sealer }), states: createOAuthStateStore({ kv, clock, random: cryptoRandom, sealer }) };
}

const pending = { tenant_id: 't', integration: 'hubspot', environment: 'production', redirect_uri: 'http://x/cb', code_verifier: 'verifier-KNOWN-'.padEnd(43, 'v') };

async function stateKey(kv: KvStore): Promise<string> {
  for await (const [k] of kv.scan('oauth-state:')) return k;
  throw new Error('no state record');
}

async function consumeWithVerifier(kv: KvStore, states: OAuthStateStore, sealed: string) {
  const state = await states.create(pending);
  const k = await stateKey(kv);
  await kv.set(k, JSON.stringify({ ...JSON.parse((await kv.get(k))!), code_verifier_sealed: sealed }));
  return states.consume(state);
}

describe('sealed secrets are bound to their purpose', () => {
  it('a client secret moved into a state record as its PKCE verifier is refused as crypto_tampered, naming the purpose', async () => {
    const kv = createMemoryKv();
    const { clients, states } = stores(kv);
    await clients.set('hubspot', { client_id: 'id', client_secret: 'client-secret-KNOWN' });
    const sealedSecret = JSON.parse((await kv.get(CLIENT_KEY))!).client_secret_sealed as string;
    expect(sealedSecret).toMatch(/^v1\.k1\./);
    const err = await consumeWithVerifier(kv, states, sealedSecret).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'crypto_tampered', message: expect.stringContaining('pkce-verifier') });
    expect(String((err as Error).message)).not.toContain('client-secret-KNOWN');
  });

  it('a PKCE verifier moved into a client record as its secret is refused; in place, each opens', async () => {
    const kv = createMemoryKv();
    const { clients, states } = stores(kv);
    const state = await states.create(pending);
    const verifierSealed = JSON.parse((await kv.get(await stateKey(kv)))!).code_verifier_sealed as string;
    await clients.set('hubspot', { client_id: 'id', client_secret: 'client-secret-KNOWN' });
    expect(await clients.get('hubspot')).toMatchObject({ client_secret: 'client-secret-KNOWN' });
    expect(await states.consume(state)).toMatchObject({ code_verifier: pending.code_verifier });

    await kv.set(CLIENT_KEY, JSON.stringify({ client_id: 'id', client_secret_sealed: verifierSealed }));
    await expect(clients.get('hubspot')).rejects.toMatchObject({ code: 'crypto_tampered', message: expect.stringContaining('oauth-client-secret') });
  });

  it('a legacy-sealed client secret opens and is written back sealed for its purpose; from then on it is bound', async () => {
    const kv = createMemoryKv();
    const ring = createKeyring(k1);
    const { clients, states } = stores(kv, ring);
    const legacy = encryptValue(ring, 'legacy-secret-KNOWN', LEGACY_AAD);
    await kv.set(CLIENT_KEY, JSON.stringify({ client_id: 'id', client_secret_sealed: legacy, scopes: ['a'] }));

    expect(await clients.get('hubspot')).toEqual({ client_id: 'id', client_secret: 'legacy-secret-KNOWN', scopes: ['a'] });
    const stored = JSON.parse((await kv.get(CLIENT_KEY))!) as { client_id: string; client_secret_sealed: string; scopes: string[] };
    expect(stored).toMatchObject({ client_id: 'id', scopes: ['a'] });
    expect(stored.client_secret_sealed).not.toBe(legacy);
    expect(decryptValue(ring, stored.client_secret_sealed, 'seal:oauth-client-secret')).toBe('legacy-secret-KNOWN');
    expect(() => decryptValue(ring, stored.client_secret_sealed, LEGACY_AAD)).toThrow(expect.objectContaining({ code: 'crypto_tampered' }));
    // A second read finds it current and writes nothing.
    expect(await clients.get('hubspot')).toMatchObject({ client_secret: 'legacy-secret-KNOWN' });
    expect(JSON.parse((await kv.get(CLIENT_KEY))!).client_secret_sealed).toBe(stored.client_secret_sealed);
    // Re-sealed, it no longer opens as a verifier.
    await expect(consumeWithVerifier(kv, states, stored.client_secret_sealed)).rejects.toMatchObject({ code: 'crypto_tampered' });
  });

  it('a legacy-sealed PKCE verifier in a pending state still completes', async () => {
    const kv = createMemoryKv();
    const ring = createKeyring(k1);
    const { states } = stores(kv, ring);
    await expect(consumeWithVerifier(kv, states, encryptValue(ring, 'legacy-verifier-KNOWN', LEGACY_AAD))).resolves.toMatchObject({ code_verifier: 'legacy-verifier-KNOWN' });
  });

  it('a secret under an older key is re-sealed under the current key on read', async () => {
    const kv = createMemoryKv();
    await stores(kv, createKeyring(k1)).clients.set('hubspot', { client_id: 'id', client_secret: 'old-key-secret' });
    const ring21 = createKeyring(k2, [k1]);
    expect(await stores(kv, ring21).clients.get('hubspot')).toMatchObject({ client_secret: 'old-key-secret' });
    expect(JSON.parse((await kv.get(CLIENT_KEY))!).client_secret_sealed).toMatch(/^v1\.k2\./);
    expect(await stores(kv, createKeyring(k2)).clients.get('hubspot')).toMatchObject({ client_secret: 'old-key-secret' });
  });

  it('a client written while a read re-seals the old one keeps the new secret', async () => {
    const inner = createMemoryKv();
    const ring = createKeyring(k1);
    await inner.set(CLIENT_KEY, JSON.stringify({ client_id: 'old-id', client_secret_sealed: encryptValue(ring, 'old-secret', LEGACY_AAD) }));
    const writer = stores(inner, ring).clients;
    // The concurrent `set` lands between the read and its write-back.
    const kv: KvStore = { ...inner, compareAndSet: async (k, expected, next) => (await writer.set('hubspot', { client_id: 'new-id', client_secret: 'new-secret' }), inner.compareAndSet(k, expected, next)) };
    expect(await stores(kv, ring).clients.get('hubspot')).toMatchObject({ client_id: 'old-id', client_secret: 'old-secret' });
    expect(await writer.get('hubspot')).toMatchObject({ client_id: 'new-id', client_secret: 'new-secret' });
  });
});
