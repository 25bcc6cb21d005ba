/**
 * Idempotent writes: the first create/update under an idempotency key is sent and its result
 * stored for 24 h in the shared KvStore; a repeat with the same request replays that result
 * without a provider request (on any replica on the store), a different request under the key is
 * a `validation` error. Concurrent duplicates: `setIfAbsent` claims the key with a pending marker,
 * so only one call writes; the others wait for its result (bounded) and replay it.
 *
 * Storage (src/store/STORAGE.md): `idem:<account id>:<sha256(key)>` → an envelope (the store's
 * keyring, AAD `idem:<kv key>`) of `{fp, state: 'pending' | 'done', result?}`; `fp` is the SHA-256
 * of the canonical request. Results hold customer data, hence sealed. A failed write is not kept:
 * its retry sends again. A replica that dies mid-write leaves the pending marker until its TTL.
 */
import { createHash } from 'node:crypto';
import type { Clock } from '../core/deps.js';
import { decryptValue, encryptValue } from '../crypto/envelope.js';
import type { Keyring } from '../crypto/keyring.js';
import type { KvStore } from '../store/kv.js';
import type { EngineRequest, EngineResult } from './types.js';

export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

export interface IdempotencyOptions {
  kv: KvStore;
  /** Seals stored results; without it (in-memory tests only) they are stored as plain JSON. */
  keyring?: Keyring;
  /** How long a replayable result is kept (default 24 h). */
  ttlMs?: number;
  /** How long a claim lives if its writer never finishes (default 2 min: longer than a write's requests). */
  pendingTtlMs?: number;
  /** How long a duplicate waits for the first call's result before answering "in progress" (default 15 s). */
  waitMs?: number;
}

interface Entry {
  fp: string;
  state: 'pending' | 'done';
  result?: EngineResult & { ok: true };
  /** Makes each pending claim unique, so only its owner can release it. */
  nonce?: string;
}

export interface Idempotency {
  run(req: EngineRequest, write: () => Promise<EngineResult>): Promise<EngineResult>;
}

/** Key order does not change a request's fingerprint. */
function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v as object).sort().map((k) => [k, canonical((v as Record<string, unknown>)[k])]));
  return v;
}

/** What makes two calls "the same arguments": the write and what the result carries. */
export function fingerprint(req: EngineRequest): string {
  const { resource, method, id, input, includeRemoteData, fields } = req;
  const body = JSON.stringify(canonical({ resource, method, id: id ?? null, input: input ?? {}, remote: includeRemoteData ?? false, fields: fields ?? null }));
  return createHash('sha256').update(body).digest('hex');
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

export function createIdempotency(opts: IdempotencyOptions, deps: { clock: Clock }): Idempotency {
  const ttlMs = opts.ttlMs ?? IDEMPOTENCY_TTL_MS;
  const pendingTtlMs = opts.pendingTtlMs ?? 120_000;
  const waitMs = opts.waitMs ?? 15_000;
  const seal = (key: string, e: Entry) => (opts.keyring ? encryptValue(opts.keyring, JSON.stringify(e), `idem:${key}`) : JSON.stringify(e));
  const open = (key: string, v: string) => JSON.parse(opts.keyring ? decryptValue(opts.keyring, v, `idem:${key}`) : v) as Entry;
  let claims = 0;
  const refused = (message: string): EngineResult => ({ ok: false, error: { code: 'validation', message, fields: ['idempotency_key'] }, rate_limit: null, provider_requests: 0 });

  return {
    async run(req, write) {
      const key = `idem:${req.account.id}:${sha256(req.idempotencyKey ?? '')}`;
      const fp = fingerprint(req);
      const deadline = deps.clock.now() + waitMs;
      for (let pause = 50; ; pause = Math.min(pause * 2, 500)) {
        const cur = await opts.kv.get(key);
        if (cur !== undefined) {
          const e = open(key, cur);
          if (e.fp !== fp) return refused('this idempotency_key was used for a different request in the last 24 hours; use a new key for a new write');
          if (e.state === 'done' && e.result) return { ...e.result, provider_requests: 0, replayed: true, token_refreshed: false };
          if (deps.clock.now() >= deadline) {
            return { ok: false, error: { code: 'rate_limited', message: 'a call with this idempotency_key is still in progress; call again shortly to get its result', retry_after_seconds: 1 }, rate_limit: null, provider_requests: 0 };
          }
          await deps.clock.sleep(pause);
          continue;
        }
        const claim = seal(key, { fp, state: 'pending', nonce: `${deps.clock.now()}.${++claims}` });
        if (!(await opts.kv.setIfAbsent(key, claim, pendingTtlMs))) continue;
        let res: EngineResult;
        try {
          res = await write();
        } catch (e) {
          await opts.kv.deleteIfEquals(key, claim).catch(() => undefined);
          throw e;
        }
        if (res.ok) await opts.kv.set(key, seal(key, { fp, state: 'done', result: res }), { ttlMs });
        else await opts.kv.deleteIfEquals(key, claim);
        return res;
      }
    },
  };
}
