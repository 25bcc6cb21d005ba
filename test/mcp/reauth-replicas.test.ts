/**
 * The reconnect round across replicas (src/mcp/reauth.ts): two `crm-mcp serve` processes (the built
 * binary) on one store, a real redis-server or one embedded file. A 2026-07-28 client declaring
 * URL-mode elicitation calls a tool on a needs_reauth account on replica A and gets the
 * InputRequiredResult; the account is reconnected; the retry carrying the requestState lands on
 * replica B and runs the tool against the HubSpot fake; the same state sent again to A is refused.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAccessTokenStore } from '../../src/access-tokens/store.js';
import { loadConfig } from '../../src/app/config.js';
import { openStore } from '../../src/app/open-store.js';
import { cryptoRandom, systemClock } from '../../src/core/deps.js';
import { redisAvailable, redisSkipReason, startRedis, type RedisHandle } from '../helpers/redis-server.js';
import { startServe, type ServeProcess } from '../helpers/serve-process.js';
import { ACCOUNT_IDS, startSandboxCrms, TENANTS, type SandboxCrms } from './helpers/sandbox-crms.js';

const RECONNECT = 'https://app.example/reconnect/{account}';
let crms: SandboxCrms;
let redis: RedisHandle | undefined;
const servers: ServeProcess[] = [];

beforeAll(async () => {
  crms = await startSandboxCrms();
  if (redisAvailable) redis = await startRedis();
}, 30_000);
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});
afterAll(async () => {
  await redis?.stop();
  await crms?.close();
});

async function serve(env: NodeJS.ProcessEnv): Promise<string> {
  const srv = await startServe(env);
  servers.push(srv);
  return srv.url;
}

interface RpcAnswer {
  result?: { resultType?: string; requestState?: string; isError?: boolean; structuredContent?: Record<string, unknown>; inputRequests?: Record<string, { params?: { url?: string } }> };
  error?: { code: number; message: string };
}

/** A raw 2026-07-28 tools/call that declares URL-mode elicitation. */
async function listContacts(base: string, token: string, extra: Record<string, unknown> = {}): Promise<RpcAnswer> {
  const _meta = {
    'io.modelcontextprotocol/protocolVersion': '2026-07-28',
    'io.modelcontextprotocol/clientInfo': { name: 'replicas', version: '1' },
    'io.modelcontextprotocol/clientCapabilities': { elicitation: { url: {} } },
  };
  const res = await fetch(new URL('/mcp', base), {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${token}`, 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'list_contacts' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'list_contacts', arguments: { limit: 2 }, _meta, ...extra } }),
  });
  return (await res.json()) as RpcAnswer;
}

describe.each([
  ['sqlite', true],
  ['redis', redisAvailable],
] as const)('the reconnect round across two serve replicas on %s', (backend, available) => {
  it.skipIf(!available)(`a state minted on A is accepted once on B, which runs the tool; sent again to A it is refused${available ? '' : ` ${redisSkipReason}`}`, async () => {
    const env = {
      ...crms.envFor(mkdtempSync(join(tmpdir(), 'crm-reauth-'))),
      CRM_MCP_RECONNECT_URL: RECONNECT,
      ...(backend === 'redis' ? { CRM_MCP_STORE: redis!.url, CRM_MCP_REDIS_PREFIX: `reauth${cryptoRandom.uuid()}:` } : {}),
    };
    const store = await openStore(loadConfig({ env }), { create: true, notice: () => {} });
    try {
      const hub = crms.mintAccounts().find((a) => a.id === ACCOUNT_IDS.hubspot)!;
      await store.accounts.put({ ...hub, status: 'needs_reauth' });
      const { token } = await createAccessTokenStore({ kv: store.kv, clock: systemClock, random: cryptoRandom }).create({ tenantId: TENANTS.hubspot, accountId: hub.id });
      const [a, b] = await Promise.all([serve(env), serve(env)]);

      const first = await listContacts(a, token);
      expect(first.result?.resultType).toBe('input_required');
      expect(first.result?.inputRequests?.reconnect?.params?.url).toBe(`https://app.example/reconnect/${hub.id}`);
      const state = first.result!.requestState!;

      await store.accounts.update(hub.id, (cur) => ({ ...cur, status: 'active' }));
      const before = crms.sb.hubspot.log.count(/\/contacts/, 'GET');
      const retry = await listContacts(b, token, { requestState: state, inputResponses: { reconnect: { action: 'accept' } } });
      expect(retry.error).toBeUndefined();
      expect(retry.result?.resultType).toBe('complete');
      expect(retry.result?.isError, JSON.stringify(retry.result)).toBeFalsy();
      expect(retry.result?.structuredContent).toHaveProperty('contacts');
      expect(crms.sb.hubspot.log.count(/\/contacts/, 'GET') - before).toBeGreaterThan(0);

      const again = await listContacts(a, token, { requestState: state, inputResponses: { reconnect: { action: 'accept' } } });
      expect(again.error?.code).toBe(-32602);
      expect(again.result).toBeUndefined();
    } finally {
      await store.close();
    }
  }, 60_000);
});
