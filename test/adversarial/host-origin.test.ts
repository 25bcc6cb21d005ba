/**
 * Adversarial: Host and Origin variants (DNS rebinding, look-alike names, smuggled separators,
 * case and port tricks) against the Streamable HTTP server's guard, on every route it protects —
 * MCP, the per-account MCP path and the connect pages. A foreign name is 403 before auth or any
 * route runs; an allowed one goes on to auth (401 without a token).
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccessTokenStore } from '../../src/access-tokens/store.js';
import { cryptoRandom } from '../../src/core/deps.js';
import { startHttpServer, type RunningHttpServer } from '../../src/http/server.js';
import { createAccountStore } from '../../src/store/kv-account-store.js';
import { rawPost } from '../http/helpers.js';
import { createMemoryLogger } from '../helpers/logger.js';
import { manualClock } from '../helpers/manual-clock.js';
import { createMemoryKv, plainCodec } from '../helpers/memory-kv.js';
import { createMemoryEngine } from '../mcp/helpers/memory-engine.js';

let srv: RunningHttpServer;
const reached: string[] = [];

beforeAll(async () => {
  const clock = manualClock();
  const kv = createMemoryKv(clock);
  srv = await startHttpServer({
    port: 0,
    engine: createMemoryEngine(),
    deps: { clock, random: cryptoRandom, logger: createMemoryLogger() },
    accounts: createAccountStore({ kv, codec: plainCodec, clock }),
    auth: { mode: 'tokens', tokens: createAccessTokenStore({ kv, clock, random: cryptoRandom }) },
    routes: [{ prefix: '/connect/', handle: async (req, res) => (reached.push(req.url ?? ''), res.writeHead(200).end('connect'), true) }],
  });
});
afterAll(async () => {
  await srv?.close();
});

const PATHS = ['/mcp', '/accounts/a-acct/mcp', '/connect/start?link=x'];

/** The raw request line and headers, exactly as given (duplicates, odd spacing and all). */
function rawStatus(head: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = connect(srv.port, '127.0.0.1');
    let data = '';
    s.setEncoding('utf8');
    s.on('data', (d: string) => {
      data += d;
      const m = /^HTTP\/1\.1 (\d{3})/.exec(data);
      if (m) {
        resolve(Number(m[1]));
        s.destroy();
      }
    });
    s.on('error', reject);
    s.write(`${head}\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`);
  });
}

describe('Host header variants', () => {
  const foreign = ['evil.example', 'localhost.evil.example', 'evil-localhost', '127.0.0.1.nip.io', '127.0.0.2', '0.0.0.0', '[::2]', 'localhost.', '127.0.0.1@evil.example', 'evil.example#localhost', 'evil.example:80', '[::1].evil.example', 'xn--lcalhost-8ya', 'localhost:abc', 'localhost:1:2', 'local host'];
  const allowed = ['localhost', 'LOCALHOST', 'LocalHost:8080', '127.0.0.1', `127.0.0.1:${0}`, '[::1]', '[::1]:3000'];

  it('foreign names are 403 on every guarded route; allowed ones reach auth (401)', async () => {
    for (const path of PATHS) {
      for (const host of foreign) expect((await rawPost(`${srv.url}${path}`, {}, { host })).status, `${path} Host: ${host}`).toBe(403);
      for (const host of allowed) {
        const status = (await rawPost(`${srv.url}${path}`, {}, { host: host.replace(':0', `:${srv.port}`) })).status;
        if (path.startsWith('/connect/')) expect(status, `${path} Host: ${host}`).toBe(200);
        else expect(status, `${path} Host: ${host}`).toBe(401);
      }
    }
    expect(reached.every((u) => u.startsWith('/connect/start'))).toBe(true);
  });

  it('a missing, empty, doubled or smuggled Host is refused (400 from the parser or 403 from the guard), never served', async () => {
    const line = 'POST /mcp HTTP/1.1';
    for (const head of [
      line,
      `${line}\r\nHost: `,
      `${line}\r\nHost: localhost\r\nHost: evil.example`,
      `${line}\r\nHost: evil.example\r\nHost: localhost`,
      `${line}\r\nHost: localhost, evil.example`,
      `${line}\r\nHost: evil.example\r\nX-Forwarded-Host: localhost`,
      `POST http://localhost/mcp HTTP/1.1\r\nHost: evil.example`,
      `${line}\r\nHost: ⓛocalhost`,
    ]) {
      expect([400, 403], head.replace(/\r\n/g, ' | ')).toContain(await rawStatus(head));
    }
  });
});

describe('Origin header variants', () => {
  it('a foreign or opaque Origin is 403 even with an allowed Host; a loopback Origin on any port passes', async () => {
    const host = `127.0.0.1:${srv.port}`;
    for (const origin of ['http://evil.example', 'https://localhost.evil.example', 'null', 'file://', 'chrome-extension://abc', 'http://127.0.0.1.nip.io', 'http://[::2]', 'not a url', 'http://evil.example@localhost.evil.example', 'http://localhost%2eevil.example']) {
      for (const path of PATHS) expect((await rawPost(`${srv.url}${path}`, {}, { host, origin })).status, `${path} Origin: ${origin}`).toBe(403);
    }
    for (const origin of ['http://localhost', 'http://127.0.0.1:9999', 'https://[::1]:8443', 'HTTP://LOCALHOST']) {
      expect((await rawPost(`${srv.url}/mcp`, {}, { host, origin })).status, `Origin: ${origin}`).toBe(401);
    }
  });

  it('/healthz answers whatever the Host (it carries nothing)', async () => {
    expect((await rawPost(`${srv.url}/healthz`, {}, { host: 'evil.example' })).status).toBe(405);
    const r = await fetch(`${srv.url}/healthz`);
    expect(r.status).toBe(200);
  });
});
