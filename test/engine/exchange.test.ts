/**
 * How the engine reads a provider's answer (src/engine/exchange.ts) over real loopback HTTP: a body
 * in many chunks, repeated headers, a body over the size limit, a provider that never answers or
 * cannot be reached, and the caller's abort before and after the response headers.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, Dispatcher } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../src/engine/engine.js';
import type { EngineOptions } from '../../src/engine/engine.js';
import { loadRegistry } from '../../src/integrations/index.js';
import { manualClock } from '../helpers/manual-clock.js';
import { account, FIXED_NOW, silentLogger, staticTokens } from './helpers/accounts.js';

const registry = loadRegistry();
const dispatcher = new Agent();
let handle: (req: IncomingMessage, res: ServerResponse) => void = () => {};
let server: Server;
let host: string;
beforeAll(async () => {
  server = createServer((req, res) => handle(req, res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await dispatcher.close();
});

const contact = { id: '7', properties: { firstname: 'Ana', lastname: 'Lee', createdate: '2024-01-01T00:00:00Z', lastmodifieddate: '2024-01-01T00:00:00Z' } };

function engineFor(baseUrl: string, over: Partial<EngineOptions> = {}, via: Dispatcher = dispatcher) {
  const acct = account('hubspot');
  const engine = createEngine({
    registry,
    tokens: staticTokens([acct]),
    deps: { clock: manualClock(FIXED_NOW), logger: silentLogger(), dispatcher: via },
    envOverrides: { test: { hubspot: { base_url: baseUrl } } },
    insecureHosts: [host, '127.0.0.1:1'],
    ...over,
  });
  return { engine, acct };
}

describe('the provider answer, read whole', () => {
  it('a body sent in many chunks is read whole; repeated rate-limit headers are joined as undici parses them', async () => {
    handle = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'x-hubspot-ratelimit-max': ['100', '100'], 'x-hubspot-ratelimit-remaining': '42' });
      const text = JSON.stringify(contact);
      for (let i = 0; i < text.length; i += 5) res.write(text.slice(i, i + 5));
      res.end();
    };
    const { engine, acct } = engineFor(`http://${host}`);
    const r = await engine.execute({ account: acct, resource: 'contacts', method: 'get', id: '7' });
    expect(r.ok).toBe(true);
    expect(r.ok && (r.data as { first_name?: string }).first_name).toBe('Ana');
    // ['100', '100'] joined: "100, 100" is not a number, so the limit is unknown; remaining is read.
    expect(r.rate_limit).toMatchObject({ limit: null, remaining: 42 });
  });

  it('a dispatcher that knows only the handler methods request() uses (undici 6: Node\'s own fetch installs one as the global dispatcher) serves the call', async () => {
    handle = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(contact));
    };
    class LegacyOnly extends Dispatcher {
      override dispatch(opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
        // undici 6's check of a handler (lib/core/util.js assertRequestHandler).
        for (const m of ['onConnect', 'onError', 'onHeaders', 'onData', 'onComplete'] as const) if (typeof handler[m] !== 'function') throw new Error(`invalid ${m} method`);
        return dispatcher.dispatch(opts, handler);
      }
    }
    const { engine, acct } = engineFor(`http://${host}`, {}, new LegacyOnly());
    const r = await engine.execute({ account: acct, resource: 'contacts', method: 'get', id: '7' });
    expect(r.ok && (r.data as { first_name?: string }).first_name).toBe('Ana');
  });

  it('a body over maxResponseBytes is a provider_error naming the limit', async () => {
    handle = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ...contact, padding: 'x'.repeat(5_000) }));
    };
    const { engine, acct } = engineFor(`http://${host}`, { maxResponseBytes: 1_000 });
    const r = await engine.execute({ account: acct, resource: 'contacts', method: 'get', id: '7' });
    expect(r).toMatchObject({ ok: false, error: { code: 'provider_error', message: `${host} returned a response larger than 1000 bytes` } });
  });

  it('a provider that sends no headers within the timeout is provider_unavailable', async () => {
    handle = () => {};
    const { engine, acct } = engineFor(`http://${host}`, { requestTimeoutMs: 200 });
    const r = await engine.execute({ account: acct, resource: 'contacts', method: 'get', id: '7' });
    expect(r).toMatchObject({ ok: false, error: { code: 'provider_unavailable' } });
    expect(!r.ok && r.error.message).toMatch(new RegExp(`^could not reach ${host}: `));
  });

  it('a provider that cannot be reached is provider_unavailable', async () => {
    const { engine, acct } = engineFor('http://127.0.0.1:1');
    const r = await engine.execute({ account: acct, resource: 'contacts', method: 'get', id: '7' });
    expect(r).toMatchObject({ ok: false, error: { code: 'provider_unavailable' } });
    expect(!r.ok && r.error.message).toMatch(/^could not reach 127\.0\.0\.1:1: /);
  });

  it('aborted before the call: nothing answers, provider_unavailable', async () => {
    handle = (_req, res) => res.end(JSON.stringify(contact));
    const { engine, acct } = engineFor(`http://${host}`);
    const r = await engine.execute({ account: acct, resource: 'contacts', method: 'get', id: '7', signal: AbortSignal.abort() });
    expect(r).toMatchObject({ ok: false, error: { code: 'provider_unavailable' } });
  });

  it('aborted after the headers, mid-body: the call fails as provider_error and the connection is dropped', async () => {
    let closed!: () => void;
    const dropped = new Promise<void>((r) => (closed = r));
    handle = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"id":"7",');
      res.on('close', closed);
    };
    // Aborts once the engine has the response headers (seen through the dispatcher it was given).
    const abort = new AbortController();
    class AbortAfterHeaders extends Dispatcher {
      override dispatch(opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
        return dispatcher.dispatch(opts, {
          ...handler,
          onHeaders: (status, raw, resume, text) => {
            const more = handler.onHeaders?.(status, raw, resume, text) ?? true;
            abort.abort();
            return more;
          },
        });
      }
    }
    const { engine, acct } = engineFor(`http://${host}`, {}, new AbortAfterHeaders());
    const r = await engine.execute({ account: acct, resource: 'contacts', method: 'get', id: '7', signal: abort.signal });
    expect(r).toMatchObject({ ok: false, error: { code: 'provider_error', message: 'the provider call failed unexpectedly' } });
    await dropped;
  });
});
