import { Client } from '@modelcontextprotocol/client';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { CallToolResult } from '@modelcontextprotocol/client';
import { afterEach, describe, expect, it } from 'vitest';
import { createAccessTokenStore } from '../../src/access-tokens/store.js';
import { cryptoRandom } from '../../src/core/deps.js';
import { createMemoryLogger } from '../helpers/logger.js';
import { startHttpServer, type HttpAppOptions, type RunningHttpServer } from '../../src/http/server.js';
import { plainCodec } from '../helpers/memory-kv.js';
import { createAccountStore } from '../../src/store/kv-account-store.js';
import { createMemoryKv } from '../helpers/memory-kv.js';
import { testAccount } from '../mcp/helpers/accounts.js';
import { createMemoryEngine } from '../mcp/helpers/memory-engine.js';
import { manualClock } from '../helpers/manual-clock.js';
import { INIT, LIST_CALL, mcpPost, rawPost } from './helpers.js';

const running: RunningHttpServer[] = [];
afterEach(async () => {
  while (running.length) await running.pop()!.close();
});

async function setup(over: Partial<HttpAppOptions> = {}) {
  const clock = manualClock();
  const kv = createMemoryKv(clock);
  const accounts = createAccountStore({ kv, codec: plainCodec, clock });
  await accounts.put(testAccount({ id: 'a-acct', tenant_id: 'tenant-a' }));
  await accounts.put(testAccount({ id: 'a-other', tenant_id: 'tenant-a' }));
  await accounts.put(testAccount({ id: 'b-acct', tenant_id: 'tenant-b' }));
  const tokens = createAccessTokenStore({ kv, clock, random: cryptoRandom });
  const logger = createMemoryLogger();
  const engine = createMemoryEngine();
  const srv = await startHttpServer({ port: 0, engine, deps: { clock, random: cryptoRandom, logger }, accounts, auth: { mode: 'tokens', tokens }, ...over });
  running.push(srv);
  const a = await tokens.create({ tenantId: 'tenant-a', accountId: 'a-acct', expiresInMs: 60_000 });
  const b = await tokens.create({ tenantId: 'tenant-b', accountId: 'b-acct' });
  return { srv, clock, accounts, tokens, engine, logger, tokenA: a.token, tokenB: b.token, tokenAId: a.info.id };
}

async function sdkClient(url: string, token?: string) {
  const client = new Client({ name: 'http-test', version: '1' });
  const transport = new StreamableHTTPClientTransport(new URL(url), token ? { requestInit: { headers: { authorization: `Bearer ${token}` } } } : {});
  await client.connect(transport);
  return client;
}

describe('Streamable HTTP server', () => {
  it('serves /healthz without auth', async () => {
    const { srv } = await setup();
    const res = await fetch(`${srv.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('an SDK client with a valid token lists and calls tools for its account', async () => {
    const { srv, tokenA, engine } = await setup();
    const client = await sdkClient(`${srv.url}/mcp`, tokenA);
    expect((await client.listTools()).tools).toHaveLength(14);
    const res = (await client.callTool({ name: 'list_contacts', arguments: { limit: 1 } })) as CallToolResult;
    expect(res.isError).toBeFalsy();
    expect(engine.calls.at(-1)?.account.id).toBe('a-acct');
    await client.close();
  });

  it('tenant isolation: tenant A token gets 403 on tenant B account and on another account; B reaches only B', async () => {
    const { srv, tokenA, tokenB, engine } = await setup();
    for (const path of ['/accounts/b-acct/mcp', '/accounts/a-other/mcp', '/accounts/does-not-exist/mcp']) {
      const res = await mcpPost(srv.url + path, LIST_CALL, { authorization: `Bearer ${tokenA}` });
      expect(res.status, path).toBe(403);
      expect(res.headers.get('www-authenticate')).toContain('insufficient_scope');
    }
    expect((await mcpPost(`${srv.url}/accounts/a-acct/mcp`, LIST_CALL, { authorization: `Bearer ${tokenA}` })).status).toBe(200);
    const calls = engine.calls.length;
    expect((await mcpPost(`${srv.url}/accounts/a-acct/mcp`, LIST_CALL, { authorization: `Bearer ${tokenB}` })).status).toBe(403);
    expect(engine.calls.length).toBe(calls);
    await mcpPost(`${srv.url}/mcp`, LIST_CALL, { authorization: `Bearer ${tokenB}` });
    expect(engine.calls.at(-1)?.account.id).toBe('b-acct');
  });

  it('publishes RFC 9728 protected-resource metadata that every 401 points at, for /mcp and /accounts/<id>/mcp', async () => {
    const { srv } = await setup();
    for (const path of ['/mcp', '/accounts/a-acct/mcp']) {
      const denied = await mcpPost(`${srv.url}${path}`, INIT);
      expect(denied.status).toBe(401);
      const url = /resource_metadata="([^"]+)"/.exec(denied.headers.get('www-authenticate') ?? '')?.[1];
      expect(url).toBe(`${srv.url}/.well-known/oauth-protected-resource${path}`);
      const meta = await fetch(url!);
      expect(meta.status).toBe(200);
      expect(await meta.json()).toEqual({ resource: `${srv.url}${path}`, authorization_servers: [], bearer_methods_supported: ['header'], resource_name: 'crm-mcp' });
    }
    expect((await fetch(`${srv.url}/.well-known/oauth-protected-resource/elsewhere`)).status).toBe(404);
    const behindProxy = await setup({ publicUrl: 'https://crm.example.com/base', authorizationServers: ['https://auth.example.com'] });
    const denied = await mcpPost(`${behindProxy.srv.url}/mcp`, INIT);
    expect(denied.headers.get('www-authenticate')).toContain('resource_metadata="https://crm.example.com/.well-known/oauth-protected-resource/mcp"');
    expect(await (await fetch(`${behindProxy.srv.url}/.well-known/oauth-protected-resource/mcp`)).json()).toMatchObject({ resource: 'https://crm.example.com/mcp', authorization_servers: ['https://auth.example.com'] });
  });

  it('401 with WWW-Authenticate for missing, unknown, revoked and expired tokens', async () => {
    const { srv, tokenA, tokenAId, tokens, clock, tokenB } = await setup();
    const missing = await mcpPost(`${srv.url}/mcp`, INIT);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe(`Bearer realm="crm-mcp", resource_metadata="${srv.url}/.well-known/oauth-protected-resource/mcp"`);
    const forged = tokenA.slice(0, -4) + 'AAAA';
    const unknown = await mcpPost(`${srv.url}/mcp`, INIT, { authorization: `Bearer ${forged}` });
    expect(unknown.status).toBe(401);
    expect(unknown.headers.get('www-authenticate')).toContain('error="invalid_token"');
    expect(JSON.stringify(await unknown.json())).not.toContain(forged);

    await tokens.revoke(tokenAId);
    expect((await mcpPost(`${srv.url}/mcp`, INIT, { authorization: `Bearer ${tokenA}` })).status).toBe(401);

    const fresh = await tokens.create({ tenantId: 'tenant-a', accountId: 'a-acct', expiresInMs: 1000 });
    expect((await mcpPost(`${srv.url}/mcp`, INIT, { authorization: `Bearer ${fresh.token}` })).status).toBe(200);
    await clock.advance(1000);
    const expired = await mcpPost(`${srv.url}/mcp`, INIT, { authorization: `Bearer ${fresh.token}` });
    expect(expired.status).toBe(401);
    expect(((await expired.json()) as { error_description: string }).error_description).toBe('token expired');
    expect((await mcpPost(`${srv.url}/mcp`, INIT, { authorization: `Bearer ${tokenB}` })).status).toBe(200);
  });

  it('rejects a foreign Host or Origin with 403 before auth; accepts loopback origins', async () => {
    const { srv, tokenA, engine } = await setup();
    const auth = { authorization: `Bearer ${tokenA}` };
    expect((await rawPost(`${srv.url}/mcp`, LIST_CALL, { ...auth, host: 'evil.example' })).status).toBe(403);
    expect((await rawPost(`${srv.url}/mcp`, LIST_CALL, { ...auth, host: `evil.example:${srv.port}`, origin: 'http://evil.example' })).status).toBe(403);
    expect((await rawPost(`${srv.url}/mcp`, LIST_CALL, { ...auth, origin: 'http://evil.example' })).status).toBe(403);
    expect((await rawPost(`${srv.url}/mcp`, LIST_CALL, { ...auth, origin: 'null' })).status).toBe(403);
    expect(engine.calls).toHaveLength(0);
    expect((await mcpPost(`${srv.url}/mcp`, LIST_CALL, { ...auth, origin: `http://localhost:${srv.port}` })).status).toBe(200);
  });

  it('honours a configured allow-list', async () => {
    const { srv, tokenA } = await setup({ allowedHosts: ['crm.example.com'] });
    expect((await rawPost(`${srv.url}/mcp`, INIT, { authorization: `Bearer ${tokenA}` })).status).toBe(403);
    expect((await rawPost(`${srv.url}/mcp`, INIT, { authorization: `Bearer ${tokenA}`, host: 'crm.example.com' })).status).toBe(200);
  });

  it('a plain-JSON answer carries the provider ratelimit-* headers of its call', async () => {
    const { srv, tokenA } = await setup();
    const res = await mcpPost(`${srv.url}/mcp`, LIST_CALL, { authorization: `Bearer ${tokenA}` });
    expect(res.headers.get('content-type')).toContain('application/json');
    expect(res.headers.get('ratelimit-limit')).toBe('100');
    expect(res.headers.get('ratelimit-remaining')).toBe('97');
    expect(res.headers.get('ratelimit-reset')).toBe('9');
    const body = (await res.json()) as { result: { structuredContent: { contacts: unknown[] } } };
    expect(body.result.structuredContent.contacts).toHaveLength(2);
  });

  it('stateless: GET is 405; stateful: a session cannot be used with another principal token', async () => {
    const { srv, tokenA } = await setup();
    expect((await fetch(`${srv.url}/mcp`, { headers: { authorization: `Bearer ${tokenA}`, accept: 'text/event-stream' } })).status).toBe(405);

    const st = await setup({ stateful: true });
    const lasting = (await st.tokens.create({ tenantId: 'tenant-a', accountId: 'a-acct' })).token;
    const c = await sdkClient(`${st.srv.url}/mcp`, lasting);
    const sid = (c.transport as StreamableHTTPClientTransport).sessionId!;
    expect(sid).toBeTruthy();
    expect((await c.listTools()).tools.length).toBe(14);
    const hijack = await mcpPost(`${st.srv.url}/mcp`, LIST_CALL, { authorization: `Bearer ${st.tokenB}`, 'mcp-session-id': sid, 'mcp-protocol-version': '2025-06-18' });
    expect(hijack.status).toBe(404);
    expect(st.srv.app.sessionCount()).toBe(1);
    await st.clock.advance(30 * 60_000);
    await expect.poll(() => st.srv.app.sessionCount()).toBe(0);
    const expired = await mcpPost(`${st.srv.url}/mcp`, LIST_CALL, { authorization: `Bearer ${lasting}`, 'mcp-session-id': sid, 'mcp-protocol-version': '2025-06-18' });
    expect(expired.status).toBe(404);
  });

  it('serves the routes it was given by path prefix, behind the Host/Origin check; MCP requests never reach them', async () => {
    const seen: string[] = [];
    const { srv } = await setup({
      routes: [
        {
          prefix: '/connect/',
          async handle(req, res) {
            seen.push(req.url ?? '');
            if (req.url?.startsWith('/connect/unknown')) return false;
            res.writeHead(200, { 'content-type': 'text/plain' }).end('connect');
            return true;
          },
        },
      ],
    });
    const ok = await fetch(`${srv.url}/connect/callback?state=x`);
    expect(await ok.text()).toBe('connect');
    expect((await rawPost(`${srv.url}/connect/callback`, {}, { host: 'evil.example' })).status).toBe(403);
    expect((await fetch(`${srv.url}/connect/unknown`)).status).toBe(404);
    expect((await fetch(`${srv.url}/elsewhere`)).status).toBe(404);
    expect((await mcpPost(`${srv.url}/mcp`, LIST_CALL)).status).toBe(401);
    expect(seen).toEqual(['/connect/callback?state=x', '/connect/unknown']);
  });

  it('no-auth mode serves exactly one account without a token', async () => {
    const { srv } = await setup({ auth: { mode: 'none', accountId: 'a-acct' } });
    const client = await sdkClient(`${srv.url}/mcp`);
    expect((await client.listTools()).tools.length).toBe(14);
    await client.close();
    expect((await mcpPost(`${srv.url}/accounts/b-acct/mcp`, INIT)).status).toBe(404);
  });
});
