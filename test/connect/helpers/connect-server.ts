/** Mounts createConnectHandler in a loopback node:http server, as `crm-mcp serve` does. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ConnectFlow } from '../../../src/connect/flow.js';
import { createConnectHandler } from '../../../src/connect/handler.js';
import { silentLogger } from '../../../src/core/logger.js';

export async function startConnectServer(flowFor: (baseUrl: string) => ConnectFlow): Promise<{ url: string; close(): Promise<void> }> {
  const mounted: { handler?: ReturnType<typeof createConnectHandler> } = {};
  const server = createServer((req, res) => {
    void mounted.handler!(req, res).then((handled) => {
      if (!handled) res.writeHead(404).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  mounted.handler = createConnectHandler({ flow: flowFor(url), publicBaseUrl: url, logger: silentLogger });
  return {
    url,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
