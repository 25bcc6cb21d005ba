/**
 * Regressions for `--stateful` resources (the report): one token opened 20,000 sessions in 60 s
 * (1.4 GB, ~65 KB each), and an authenticated client sending its body slowly kept the connection
 * for Node's default 300 s. Now a principal holds at most `maxSessionsPerPrincipal` sessions
 * (opening one more closes its least recently used), the process at most `maxSessions` (then 503),
 * idle sessions close after `sessionIdleMs`, and a request must arrive within `requestTimeoutMs`.
 * The real HTTP server over real sockets, an in-memory engine and store, a manual clock.
 */
import { connect } from 'node:net';
import { Agent, request } from 'undici';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createAccessTokenStore } from '../../src/access-tokens/store.js';
import { cryptoRandom } from '../../src/core/deps.js';
import { startHttpServer, type HttpAppOptions, type RequestTimeouts, type RunningHttpServer } from '../../src/http/server.js';
import { createAccountStore } from '../../src/store/kv-account-store.js';
import { createMemoryLogger } from '../helpers/logger.js';
import { manualClock } from '../helpers/manual-clock.js';
import { createMemoryKv, plainCodec } from '../helpers/memory-kv.js';
import { testAccount } from '../mcp/helpers/accounts.js';
import { createMemoryEngine } from '../mcp/helpers/memory-engine.js';
import { INIT, LIST_CALL } from './helpers.js';

const running: RunningHttpServer[] = [];
const agent = new Agent({ connections: 64, pipelining: 1 });
afterEach(async () => {
  while (running.length) await running.pop()!.close();
});
afterAll(async () => {
  await agent.close();
});

async function setup(over: Partial<HttpAppOptions> & RequestTimeouts = {}) {
  const clock = manualClock();
  const kv = createMemoryKv(clock);
  const accounts = createAccountStore({ kv, codec: plainCodec, clock });
  await accounts.put(testAccount({ id: 'a-acct', tenant_id: 'tenant-a' }));
  await accounts.put(testAccount({ id: 'b-acct', tenant_id: 'tenant-b' }));
  const tokens = createAccessTokenStore({ kv, clock, random: cryptoRandom });
  const srv = await startHttpServer({ port: 0, engine: createMemoryEngine(), deps: { clock, random: cryptoRandom, logger: createMemoryLogger() }, accounts, auth: { mode: 'tokens', tokens }, stateful: true, ...over });
  running.push(srv);
  const a = (await tokens.create({ tenantId: 'tenant-a', accountId: 'a-acct' })).token;
  const b = (await tokens.create({ tenantId: 'tenant-b', accountId: 'b-acct' })).token;
  return { srv, clock, a, b };
}

/** Sends initialize; returns the status and the session id it was given. */
async function initialize(url: string, token: string): Promise<{ status: number; sid?: string }> {
  const res = await request(`${url}/mcp`, {
    method: 'POST',
    dispatcher: agent,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify(INIT),
  });
  await res.body.dump();
  const sid = res.headers['mcp-session-id'];
  return { status: res.statusCode, ...(typeof sid === 'string' ? { sid } : {}) };
}

async function use(url: string, token: string, sid: string): Promise<number> {
  const res = await request(`${url}/mcp`, {
    method: 'POST',
    dispatcher: agent,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': sid, 'mcp-protocol-version': '2025-06-18' },
    body: JSON.stringify(LIST_CALL),
  });
  await res.body.dump();
  return res.statusCode;
}

describe('stateful sessions are bounded', () => {
  it('20,000 initializes with one token: the token never holds more than its cap; the newest sessions work, the evicted are gone', async () => {
    const { srv, a } = await setup({ maxSessionsPerPrincipal: 16 });
    const sids: string[] = [];
    let max = 0;
    const N = 20_000;
    let next = 0;
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (next < N) {
          next++;
          const r = await initialize(srv.url, a);
          expect(r.status).toBe(200);
          sids.push(r.sid!);
          max = Math.max(max, srv.app.sessionCount());
        }
      }),
    );
    expect(sids).toHaveLength(N);
    expect(new Set(sids).size).toBe(N);
    expect(max).toBeLessThanOrEqual(16);
    expect(srv.app.sessionCount()).toBe(16);
    expect(await use(srv.url, a, sids.at(-1)!)).toBe(200);
    expect(await use(srv.url, a, sids[0]!)).toBe(404);
    // 20,000 sessions built and torn down by the SDK: bounds are asserted, not speed.
  }, 180_000);

  it('the least recently used session of that token is the one closed; another token is untouched', async () => {
    const { srv, a, b } = await setup({ maxSessionsPerPrincipal: 3 });
    const other = await initialize(srv.url, b);
    const s = [];
    for (let i = 0; i < 3; i++) s.push((await initialize(srv.url, a)).sid!);
    expect(await use(srv.url, a, s[0]!)).toBe(200);
    const fourth = (await initialize(srv.url, a)).sid!;
    expect(await use(srv.url, a, s[1]!)).toBe(404);
    for (const sid of [s[0]!, s[2]!, fourth]) expect(await use(srv.url, a, sid)).toBe(200);
    expect(await use(srv.url, b, other.sid!)).toBe(200);
    expect(srv.app.sessionCount()).toBe(4);
  });

  it('the total cap refuses new sessions with 503 and Retry-After instead of closing another caller\'s; idle sessions expire as configured', async () => {
    const { srv, clock, a, b } = await setup({ maxSessions: 2, sessionIdleMs: 60_000 });
    const s1 = await initialize(srv.url, a);
    const s2 = await initialize(srv.url, b);
    const refused = await request(`${srv.url}/mcp`, { method: 'POST', dispatcher: agent, headers: { authorization: `Bearer ${a}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: JSON.stringify(INIT) });
    await refused.body.dump();
    expect(refused.statusCode).toBe(503);
    expect(refused.headers['retry-after']).toBe('30');
    expect(await use(srv.url, b, s2.sid!)).toBe(200);
    await clock.advance(59_000);
    expect(await use(srv.url, a, s1.sid!)).toBe(200);
    await clock.advance(1_000);
    await expect.poll(() => srv.app.sessionCount()).toBe(1);
    expect((await initialize(srv.url, b)).status).toBe(200);
  });
});

describe('slow clients', () => {
  it('an authenticated request whose body never finishes is answered 408 and closed after the request timeout', async () => {
    const { srv, a } = await setup({ requestTimeoutMs: 300, headersTimeoutMs: 200 });
    const { port } = srv;
    const socket = connect(port, '127.0.0.1');
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (received += d));
    const closed = new Promise<void>((r) => socket.on('close', () => r()));
    socket.write(`POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${a}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: 100000\r\n\r\n{"jsonrpc":`);
    await closed;
    expect(received).toMatch(/^HTTP\/1\.1 408/);
  });

  it('a client that never finishes its headers is cut off too', async () => {
    const { srv } = await setup({ requestTimeoutMs: 300, headersTimeoutMs: 200 });
    const socket = connect(srv.port, '127.0.0.1');
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (received += d));
    const closed = new Promise<void>((r) => socket.on('close', () => r()));
    socket.write(`POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: `);
    await closed;
    expect(received).toMatch(/^HTTP\/1\.1 408/);
  });
});
