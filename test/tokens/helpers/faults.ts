/**
 * Faults injected for real under the token manager: a KvStore whose writes to the accounts fail
 * while told to (the store refusing the write of refreshed tokens), and a token endpoint that
 * trickles its answer (headers late, then the body in chunks).
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { KvStore } from '../../../src/store/kv.js';
import { keys } from '../../../src/store/keys.js';
import type { FakeOAuthProvider } from '../../../src/sandbox/oauth/index.js';

export interface FailingKv {
  kv: KvStore;
  /** The next `n` account writes fail (Infinity: until `heal`). */
  fail(n: number): void;
  heal(): void;
  /** Account writes refused so far. */
  refused(): number;
}

/** Account writes (compare-and-set on `acct:*`) fail as told; every other key works. */
export function failingAccountWrites(inner: KvStore): FailingKv {
  let left = 0;
  let refused = 0;
  const kv: KvStore = {
    ...inner,
    get: (k) => inner.get(k),
    set: (k, v, o) => inner.set(k, v, o),
    delete: (k) => inner.delete(k),
    scan: (p) => inner.scan(p),
    setIfAbsent: (k, v, t) => inner.setIfAbsent(k, v, t),
    deleteIfEquals: (k, v) => inner.deleteIfEquals(k, v),
    close: () => inner.close(),
    kind: inner.kind,
    shared: inner.shared,
    async compareAndSet(k, expected, next) {
      if (k.startsWith(keys.accountPrefix) && left > 0) {
        left--;
        refused++;
        throw new Error('injected: store refused the write');
      }
      return inner.compareAndSet(k, expected, next);
    },
  };
  // Methods the KvStore contract may add later are passed through unchanged.
  for (const [name, fn] of Object.entries(inner)) {
    if (typeof fn === 'function' && !(name in kv)) (kv as unknown as Record<string, unknown>)[name] = (fn as (...a: unknown[]) => unknown).bind(inner);
  }
  return {
    kv,
    fail: (n) => void (left = n),
    heal: () => void (left = 0),
    refused: () => refused,
  };
}

export interface TricklingEndpoint {
  tokenUrl: string;
  /** Answers whose headers were sent / whose last chunk was sent. */
  progress: { requests: number; headersSent: number; completed: number };
  close(): Promise<void>;
}

/**
 * The provider's token endpoint, answering late: the provider acts on the request at once (a
 * refresh token is rotated before anything is sent), the status line and headers go out after
 * `headersAfterMs`, then the body in `chunks` pieces `chunkGapMs` apart.
 */
export async function startTricklingTokenEndpoint(provider: FakeOAuthProvider, o: { headersAfterMs: number; chunks: number; chunkGapMs: number }): Promise<TricklingEndpoint> {
  const progress = { requests: 0, headersSent: 0, completed: 0 };
  const open = new Set<ServerResponse>();
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const server = createServer((req, res) => {
    open.add(res);
    res.on('close', () => open.delete(res));
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      void (async () => {
        progress.requests++;
        const reply = await provider.handleToken({ method: 'POST', url: new URL(req.url ?? '/', 'http://127.0.0.1'), headers: req.headers, body });
        const text = JSON.stringify(reply.json ?? {});
        await sleep(o.headersAfterMs);
        if (res.destroyed) return;
        res.writeHead(reply.status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) });
        res.flushHeaders();
        progress.headersSent++;
        const size = Math.ceil(text.length / o.chunks);
        for (let i = 0; i < o.chunks; i++) {
          await sleep(o.chunkGapMs);
          if (res.destroyed) return;
          res.write(text.slice(i * size, (i + 1) * size));
        }
        res.end();
        progress.completed++;
      })();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    tokenUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`,
    progress,
    close: () =>
      new Promise<void>((r) => {
        for (const res of open) res.destroy();
        server.close(() => r());
      }),
  };
}
