/**
 * Re-authorization as a protocol flow (src/mcp/reauth.ts), over the real HTTP server: a
 * 2026-07-28 client that declares URL-mode elicitation is asked, in-band, to open the reconnect
 * link for the needs_reauth account, and its retry runs against the account as it then is; a
 * 2025-11-25 client gets today's isError result with reconnect_url. The requestState is signed,
 * bound to the account and accepted once.
 */
import { Client, StreamableHTTPClientTransport, type CallToolResult } from '@modelcontextprotocol/client';
import { afterEach, describe, expect, it } from 'vitest';
import type { LinkedAccount } from '../../src/accounts/model.js';
import { cryptoRandom } from '../../src/core/deps.js';
import { createKeyring } from '../../src/crypto/keyring.js';
import { startHttpServer, type RunningHttpServer } from '../../src/http/server.js';
import { createReauthFlow } from '../../src/mcp/reauth.js';
import { createAccountStore } from '../../src/store/kv-account-store.js';
import { createMemoryLogger } from '../helpers/logger.js';
import { manualClock } from '../helpers/manual-clock.js';
import { createMemoryKv, plainCodec } from '../helpers/memory-kv.js';
import { testAccount } from '../mcp/helpers/accounts.js';
import { createMemoryEngine } from '../mcp/helpers/memory-engine.js';
import { mcpPost } from './helpers.js';

const RECONNECT = 'https://app.example/reconnect/{account}';
const running: RunningHttpServer[] = [];
afterEach(async () => {
  while (running.length) await running.pop()!.close();
});

async function setup() {
  const clock = manualClock();
  const kv = createMemoryKv(clock);
  const accounts = createAccountStore({ kv, codec: plainCodec, clock });
  const account = testAccount({ id: 'a-acct', status: 'needs_reauth' });
  await accounts.put(account);
  const engine = createMemoryEngine();
  const reauth = createReauthFlow({ random: cryptoRandom, kv, keyring: createKeyring({ kid: 'k1', key: Buffer.alloc(32, 1) }) });
  const srv = await startHttpServer({ port: 0, engine, deps: { clock, random: cryptoRandom, logger: createMemoryLogger() }, accounts, auth: { mode: 'none', accountId: 'a-acct' }, reconnectUrl: RECONNECT, reauth });
  running.push(srv);
  return { srv, accounts, engine, account };
}

/** A 2026-07-28 client whose user "opens" each URL elicitation: `onUrl` plays the user. */
async function modernClient(url: string, onUrl: (url: string) => Promise<void>) {
  const client = new Client({ name: 'reauth-modern', version: '1' }, { versionNegotiation: { mode: { pin: '2026-07-28' } }, capabilities: { elicitation: { url: {} } } });
  client.setRequestHandler('elicitation/create', async (req) => {
    const params = req.params as { mode?: string; url?: string };
    expect(params.mode).toBe('url');
    await onUrl(params.url!);
    return { action: 'accept' };
  });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`)));
  return client;
}

const errorOf = (r: CallToolResult) => (r.structuredContent as { error?: { code?: string; reconnect_url?: string } } | undefined)?.error;

describe('needs_reauth as a protocol flow', () => {
  it('a 2026-07-28 client with URL elicitation is sent the reconnect link; after reconnecting, its retry runs the tool', async () => {
    const { srv, accounts, engine, account } = await setup();
    const opened: string[] = [];
    const client = await modernClient(srv.url, async (u) => {
      opened.push(u);
      await accounts.put({ ...account, status: 'active' } as LinkedAccount);
    });
    const res = (await client.callTool({ name: 'list_contacts', arguments: { limit: 1 } })) as CallToolResult;
    expect(opened).toEqual(['https://app.example/reconnect/a-acct']);
    expect(res.isError).toBeFalsy();
    expect(engine.calls.at(-1)?.account.id).toBe('a-acct');
    await client.close();
  });

  it('a 2026-07-28 client whose user did not reconnect gets the isError result with reconnect_url on the retry (no second round)', async () => {
    const { srv, engine } = await setup();
    const opened: string[] = [];
    const client = await modernClient(srv.url, async (u) => void opened.push(u));
    const res = (await client.callTool({ name: 'list_contacts', arguments: { limit: 1 } })) as CallToolResult;
    expect(opened).toHaveLength(1);
    expect(res.isError).toBe(true);
    expect(errorOf(res)).toMatchObject({ code: 'needs_reauth', reconnect_url: 'https://app.example/reconnect/a-acct' });
    expect(engine.calls).toHaveLength(0);
    await client.close();
  });

  it('a 2025-11-25 client gets isError with reconnect_url, as before', async () => {
    const { srv, engine } = await setup();
    const client = new Client({ name: 'reauth-legacy', version: '1' }, { capabilities: { elicitation: { url: {} } } });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${srv.url}/mcp`)));
    const res = (await client.callTool({ name: 'list_contacts', arguments: { limit: 1 } })) as CallToolResult;
    expect(res.isError).toBe(true);
    expect(errorOf(res)).toMatchObject({ code: 'needs_reauth', reconnect_url: 'https://app.example/reconnect/a-acct' });
    expect(engine.calls).toHaveLength(0);
    await client.close();
  });

  it('the requestState is accepted once; a forged one is refused (-32602)', async () => {
    const { srv } = await setup();
    const meta = (caps: object) => ({ 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1' }, 'io.modelcontextprotocol/clientCapabilities': caps });
    const headers = { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'list_contacts' };
    const call = (extra: object) =>
      mcpPost(`${srv.url}/mcp`, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'list_contacts', arguments: { limit: 1 }, _meta: meta({ elicitation: { url: {} } }), ...extra } }, headers).then(
        async (r) => (await r.json()) as { result?: { resultType?: string; requestState?: string; inputRequests?: Record<string, { params?: { url?: string } }> }; error?: { code: number } },
      );
    const first = await call({});
    expect(first.result?.resultType).toBe('input_required');
    expect(first.result?.inputRequests?.reconnect?.params?.url).toBe('https://app.example/reconnect/a-acct');
    const state = first.result!.requestState!;
    const responses = { inputResponses: { reconnect: { action: 'accept' } } };
    const retry = await call({ ...responses, requestState: state });
    expect(retry.result?.resultType).toBe('complete');
    expect((await call({ ...responses, requestState: state })).error?.code).toBe(-32602);
    const [kid, version, body, mac] = state.split('.');
    expect((await call({ ...responses, requestState: `${kid}.${version}.${body}.${mac!.slice(1)}A` })).error?.code).toBe(-32602);
    // Without URL-mode elicitation declared, the same 2026-07-28 call gets the isError result.
    const plain = await mcpPost(`${srv.url}/mcp`, { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'list_contacts', arguments: { limit: 1 }, _meta: meta({}) } }, headers);
    const body2 = (await plain.json()) as { result: CallToolResult & { resultType?: string } };
    expect(body2.result.resultType).toBe('complete');
    expect(body2.result.isError).toBe(true);
  });
});
