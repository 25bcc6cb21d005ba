/**
 * `crm-mcp connect` for a local user: a callback server on 127.0.0.1, the consent URL printed,
 * then wait for the provider's redirect (or time out). Register
 * `http://127.0.0.1:<port>/connect/callback` as a redirect URI of your OAuth app.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../core/deps.js';
import type { ConnectOutcome, ConnectTarget } from './complete.js';
import type { ConnectFlow } from './flow.js';
import { callbackUrl, createConnectHandler } from './handler.js';

export const DEFAULT_LOOPBACK_PORT = 8976;

export async function runLoopbackConnect(opts: {
  flow: ConnectFlow;
  target: ConnectTarget;
  port: number;
  timeoutMs: number;
  logger: Logger;
  /** Receives the consent URL as soon as the server listens. */
  onUrl: (url: string) => void;
}): Promise<ConnectOutcome> {
  let settle!: (o: ConnectOutcome) => void;
  const done = new Promise<ConnectOutcome>((resolve) => (settle = resolve));
  let handler: ReturnType<typeof createConnectHandler> | undefined;
  const server = createServer((req, res) => {
    void (handler ? handler(req, res) : Promise.resolve(false)).then((handled) => {
      if (!handled) res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, '127.0.0.1', () => resolve());
  });
  try {
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    handler = createConnectHandler({ flow: opts.flow, publicBaseUrl: base, logger: opts.logger, onComplete: settle });
    opts.onUrl(await opts.flow.begin(opts.target, callbackUrl(base)));
    const timer = setTimeout(() => settle({ ok: false, code: 'timeout', reason: `no callback within ${Math.round(opts.timeoutMs / 1000)} s` }), opts.timeoutMs);
    const outcome = await done;
    clearTimeout(timer);
    return outcome;
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
