/**
 * MCP log notifications (src/mcp/notices.ts): a client that set a level is told when the CRM's
 * rate limit drops below 10 % remaining and when the account needs re-authorization, at the level
 * it chose; above that level it hears nothing. 2025-era session over the in-memory transport.
 */
import { Client, InMemoryTransport } from '@modelcontextprotocol/client';
import { describe, expect, it } from 'vitest';
import type { LinkedAccount } from '../../src/accounts/model.js';
import { cryptoRandom, systemClock } from '../../src/core/deps.js';
import type { RateLimitInfo } from '../../src/engine/types.js';
import { createServer } from '../../src/mcp/server.js';
import { createMemoryLogger } from '../helpers/logger.js';
import { testAccount } from './helpers/accounts.js';
import { createMemoryEngine } from './helpers/memory-engine.js';

async function session(account: LinkedAccount, rateLimit: RateLimitInfo, level: 'info' | 'warning' | 'error', engine = createMemoryEngine({ rateLimit })) {
  const built = await createServer({
    account,
    engine,
    deps: { clock: systemClock, random: cryptoRandom, logger: createMemoryLogger() },
    reconnectUrl: 'https://app.example/reconnect/{account}',
  });
  const [a, b] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: 'notices', version: '1' });
  const heard: Array<{ level: string; data: Record<string, unknown> }> = [];
  client.setNotificationHandler('notifications/message', (n) => void heard.push(n.params as (typeof heard)[number]));
  await built.server.connect(a);
  await client.connect(b);
  await client.setLoggingLevel(level);
  return { client, heard };
}

describe('log notifications', () => {
  it('rate limit below 10 %: a warning naming the figures; nothing at 97 %', async () => {
    const low = await session(testAccount(), { limit: 100, remaining: 9, reset_seconds: 5 }, 'warning');
    await low.client.callTool({ name: 'list_contacts', arguments: { limit: 1 } });
    await low.client.ping();
    expect(low.heard).toEqual([{ level: 'warning', logger: 'crm-mcp', data: { event: 'rate_limit_low', account_id: 'acct-1', tool: 'list_contacts', limit: 100, remaining: 9 } }]);
    const fine = await session(testAccount(), { limit: 100, remaining: 97, reset_seconds: 5 }, 'warning');
    await fine.client.callTool({ name: 'list_contacts', arguments: { limit: 1 } });
    await fine.client.ping();
    expect(fine.heard).toEqual([]);
  });

  it('needs_reauth: an error with the reconnect link; a client at level error still hears it, a warning does not pass that level', async () => {
    const s = await session(testAccount({ status: 'needs_reauth' }), { limit: 100, remaining: 9, reset_seconds: 5 }, 'error');
    await s.client.callTool({ name: 'list_contacts', arguments: { limit: 1 } });
    await s.client.ping();
    expect(s.heard).toEqual([
      { level: 'error', logger: 'crm-mcp', data: { event: 'needs_reauth', account_id: 'acct-1', tool: 'list_contacts', reconnect_url: 'https://app.example/reconnect/acct-1' } },
    ]);
    const low = await session(testAccount(), { limit: 100, remaining: 9, reset_seconds: 5 }, 'error');
    await low.client.callTool({ name: 'list_contacts', arguments: { limit: 1 } });
    await low.client.ping();
    expect(low.heard).toEqual([]);
  });

  it('a token refreshed during the call: info "the access token was refreshed" at level info (2025 logging/setLevel); nothing at warning', async () => {
    const refreshing = () => {
      const engine = createMemoryEngine();
      engine.failNext = { ok: true, data: [], next_cursor: null, rate_limit: null, provider_requests: 2, token_refreshed: true };
      return engine;
    };
    const info = await session(testAccount(), { limit: 100, remaining: 97, reset_seconds: 5 }, 'info', refreshing());
    await info.client.callTool({ name: 'list_contacts', arguments: { limit: 1 } });
    await info.client.ping();
    expect(info.heard).toEqual([{ level: 'info', logger: 'crm-mcp', data: { event: 'token_refreshed', account_id: 'acct-1', tool: 'list_contacts', message: 'the access token was refreshed' } }]);
    const warning = await session(testAccount(), { limit: 100, remaining: 97, reset_seconds: 5 }, 'warning', refreshing());
    await warning.client.callTool({ name: 'list_contacts', arguments: { limit: 1 } });
    await warning.client.ping();
    expect(warning.heard).toEqual([]);
  });
});
