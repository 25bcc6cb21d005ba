/**
 * The floors crm-mcp is compared with, each in a process of its own (bench child):
 * - `http`: a bare node:http server answering every POST to /list or /get with the bytes (and
 *   content type) crm-mcp answered that call with (same size, no work);
 * - `sdk`: a bare SDK server of the line the product moves to (v2 `@modelcontextprotocol/server`,
 *   `createMcpHandler` — one fresh McpServer per request, both eras — under `toNodeHandler`), with
 *   `list_contacts` and `get_contact` tools returning crm-mcp's own tool results (text +
 *   structuredContent) and declaring a loose output schema (the SDK validates against it).
 * - `sdk-provider`: the `sdk` floor whose tools first GET, over undici (one keep-alive pool), the
 *   provider fake's page or record that crm-mcp fetches for that call (the 'direct' target's URL
 *   and headers), read its body, then return the same captured result: the least any server that
 *   calls the provider must do, so its latency carries the provider round trip crm-mcp pays.
 * - `sdk1`: the same over the SDK 1.x line the product ships today: a new McpServer and a stateless
 *   StreamableHTTPServerTransport (JSON answers, as `crm-mcp serve` gives) per request, its
 *   documented stateless idiom (one v1 McpServer cannot serve concurrent stateless calls). Loaded
 *   dynamically: the floor is offered only while the package is installed.
 * Prints one JSON line `{ready, url}`; ends on SIGTERM.
 *   node --import tsx test/bench/floor-child.ts <http|sdk|sdk-provider|sdk1> <payload.json>
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { createMcpHandler, McpServer, type CallToolResult } from '@modelcontextprotocol/server';
import { Agent, request } from 'undici';
import { z } from 'zod';

/** A GET of the provider fake: what crm-mcp asks it for one call. */
export interface ProviderGet {
  url: string;
  headers: Record<string, string>;
}

/** crm-mcp's answers: the HTTP body and content type as sent, and the tool result in it; and the provider GET behind each. */
export interface FloorPayload {
  list: { body: string; contentType: string; result: CallToolResult };
  get: { body: string; contentType: string; result: CallToolResult };
  provider: { list: ProviderGet; get: ProviderGet };
}

const [kind = 'http', payloadFile = ''] = process.argv.slice(2);
const payload = JSON.parse(readFileSync(payloadFile, 'utf8')) as FloorPayload;

function httpFloor(): (req: IncomingMessage, res: ServerResponse) => void {
  const answer = (a: FloorPayload['list']) => ({ body: Buffer.from(a.body), contentType: a.contentType });
  const answers: Record<string, ReturnType<typeof answer>> = { '/list': answer(payload.list), '/get': answer(payload.get) };
  return (req, res) => {
    req.resume();
    req.on('end', () => {
      const a = answers[req.url ?? ''];
      if (!a) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': a.contentType, 'content-length': a.body.length }).end(a.body);
    });
  };
}

/** `before` runs first in each tool call (the sdk-provider floor's provider GET). */
function sdkFloor(before: (tool: 'list' | 'get') => Promise<void> = async () => {}): (req: IncomingMessage, res: ServerResponse) => void {
  const handler = createMcpHandler(() => {
    const server = new McpServer({ name: 'bench-sdk-floor', version: '1.0.0' }, { capabilities: { tools: {} } });
    server.registerTool(
      'list_contacts',
      { description: 'List contacts', inputSchema: z.object({ limit: z.number().int().optional() }), outputSchema: z.looseObject({ contacts: z.array(z.looseObject({ id: z.string() })) }) },
      async () => {
        await before('list');
        return payload.list.result;
      },
    );
    server.registerTool(
      'get_contact',
      { description: 'Get a contact', inputSchema: z.object({ id: z.string() }), outputSchema: z.looseObject({}) },
      async () => {
        await before('get');
        return payload.get.result;
      },
    );
    return server;
  });
  const node = toNodeHandler(handler);
  return (req, res) => void node(req, res);
}

/** The provider GET of a call: its body read whole; anything but a 200 fails the tool call (the bench counts it). */
function providerGet(): (tool: 'list' | 'get') => Promise<void> {
  const dispatcher = new Agent({ keepAliveTimeout: 60_000 });
  return async (tool) => {
    const { url, headers } = payload.provider[tool];
    const res = await request(url, { method: 'GET', headers, dispatcher });
    const body = await res.body.arrayBuffer();
    if (res.statusCode !== 200 || body.byteLength === 0) throw new Error(`provider answered HTTP ${res.statusCode}`);
  };
}

interface V1Server {
  registerTool(name: string, config: Record<string, unknown>, cb: () => Promise<CallToolResult>): void;
  connect(t: unknown): Promise<void>;
  close(): Promise<void>;
}
interface V1Transport {
  handleRequest(req: IncomingMessage, res: ServerResponse): Promise<void>;
  close(): Promise<void>;
}

/** The v1 SDK, by a specifier the type checker does not follow (the product may drop the package). */
async function sdk1Floor(): Promise<(req: IncomingMessage, res: ServerResponse) => void> {
  const load = (m: string) => import(m) as Promise<Record<string, unknown>>;
  const McpServerV1 = (await load('@modelcontextprotocol/sdk/server/mcp.js')).McpServer as new (info: object, opts: object) => V1Server;
  const TransportV1 = (await load('@modelcontextprotocol/sdk/server/streamableHttp.js')).StreamableHTTPServerTransport as new (opts: object) => V1Transport;
  return (req, res) => {
    const server = new McpServerV1({ name: 'bench-sdk1-floor', version: '1.0.0' }, { capabilities: { tools: {} } });
    server.registerTool('list_contacts', { description: 'List contacts', inputSchema: { limit: z.number().int().optional() }, outputSchema: { contacts: z.array(z.looseObject({ id: z.string() })) } }, async () => payload.list.result);
    server.registerTool('get_contact', { description: 'Get a contact', inputSchema: { id: z.string() }, outputSchema: {} }, async () => payload.get.result);
    const transport = new TransportV1({ sessionIdGenerator: undefined, enableJsonResponse: true });
    res.on('close', () => void Promise.all([transport.close(), server.close()]));
    void server.connect(transport).then(() => transport.handleRequest(req, res));
  };
}

const srv = createServer(kind === 'sdk' ? sdkFloor() : kind === 'sdk-provider' ? sdkFloor(providerGet()) : kind === 'sdk1' ? await sdk1Floor() : httpFloor());
srv.keepAliveTimeout = 60_000;
srv.listen(0, '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ ready: true, url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}` }) + '\n');
});
process.once('SIGTERM', () => {
  srv.closeAllConnections();
  srv.close(() => process.exit(0));
});
