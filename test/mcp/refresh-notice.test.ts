/**
 * Token-refresh log notices (src/mcp/notices.ts): when a tool call's access token was refreshed on
 * demand during the call, a client that asked for logs hears an `info` notice "the access token
 * was refreshed", with no token material in it; a 2026-07-28 client that sent no `logLevel` hears
 * nothing. The built `serve` against the HubSpot fake, its account's token stored as expired, so
 * the call itself refreshes it (the fake's token endpoint is asked once).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/app/config.js';
import { openStore } from '../../src/app/open-store.js';
import { startServe, type ServeProcess } from '../helpers/serve-process.js';
import { modernPost } from './helpers/modern-post.js';
import { ACCOUNT_IDS, startSandboxCrms, type SandboxCrms } from './helpers/sandbox-crms.js';

let crms: SandboxCrms;
const servers: ServeProcess[] = [];

beforeAll(async () => {
  crms = await startSandboxCrms();
}, 30_000);
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  await crms?.close();
});

/** A served HubSpot account whose stored access token has expired: its next call refreshes first. */
async function servedWithExpiredToken(): Promise<ServeProcess & { storedTokens(): Promise<string[]> }> {
  const { env } = await crms.seedStore();
  const store = await openStore(loadConfig({ env }), { notice: () => {} });
  try {
    await store.accounts.update(ACCOUNT_IDS.hubspot, (a) => ({
      ...a,
      context: { ...a.context, oauth: { token: { ...a.context.oauth!.token, expires_at: new Date(Date.now() - 60_000).toISOString() } } },
    }));
  } finally {
    await store.close();
  }
  const srv = await startServe(env, '--account', ACCOUNT_IDS.hubspot, '--no-auth');
  servers.push(srv);
  const storedTokens = async () => {
    const s = await openStore(loadConfig({ env }), { notice: () => {} });
    try {
      const t = (await s.accounts.get(ACCOUNT_IDS.hubspot))!.context.oauth!.token;
      return [t.access_token, t.refresh_token!];
    } finally {
      await s.close();
    }
  };
  return { ...srv, storedTokens };
}

const refreshes = () => crms.sb.hubspot.log.count(/\/oauth\/v3\/token$/, 'POST');
const listContacts = (url: string, logLevel?: string) => modernPost(`${url}/mcp`, { method: 'tools/call', name: 'list_contacts', params: { arguments: { limit: 1 } }, ...(logLevel ? { logLevel } : {}) });

describe('token-refresh log notice', () => {
  it('a 2026-07-28 client with logLevel info hears "the access token was refreshed" once, with no token in it', async () => {
    const srv = await servedWithExpiredToken();
    const before = refreshes();
    const answer = await listContacts(srv.url, 'info');
    expect(refreshes() - before).toBe(1);
    const result = answer.messages.at(-1)!;
    expect(result.result?.isError, answer.text).toBeFalsy();
    const notices = answer.messages.filter((m) => m.method === 'notifications/message');
    expect(notices).toEqual([
      {
        jsonrpc: '2.0',
        method: 'notifications/message',
        params: { level: 'info', logger: 'crm-mcp', data: { event: 'token_refreshed', account_id: ACCOUNT_IDS.hubspot, tool: 'list_contacts', message: 'the access token was refreshed' } },
      },
    ]);
    const refreshed = await srv.storedTokens();
    expect(crms.secrets).not.toContain(refreshed[0]);
    for (const secret of [...crms.secrets, ...refreshed]) {
      expect(answer.text).not.toContain(secret);
      expect(srv.stderr()).not.toContain(secret);
    }
  });

  it('without logLevel the same refreshing call carries no notification', async () => {
    const srv = await servedWithExpiredToken();
    const before = refreshes();
    const answer = await listContacts(srv.url);
    expect(refreshes() - before).toBe(1);
    expect(answer.messages.at(-1)!.result?.isError, answer.text).toBeFalsy();
    expect(answer.messages.filter((m) => m.method === 'notifications/message')).toEqual([]);
  });

  it('a call whose token is still valid sends no refresh notice, even at logLevel debug', async () => {
    const srv = await servedWithExpiredToken();
    await listContacts(srv.url);
    const before = refreshes();
    const answer = await listContacts(srv.url, 'debug');
    expect(refreshes() - before).toBe(0);
    expect(answer.messages.at(-1)!.result?.isError, answer.text).toBeFalsy();
    expect(answer.messages.filter((m) => m.method === 'notifications/message')).toEqual([]);
  });

  it('describe_crm says so too when its discovery refreshed the token', async () => {
    const srv = await servedWithExpiredToken();
    const before = refreshes();
    const answer = await modernPost(`${srv.url}/mcp`, { method: 'tools/call', name: 'describe_crm', params: { arguments: { object: 'contacts' } }, logLevel: 'info' });
    expect(refreshes() - before).toBe(1);
    expect(answer.messages.at(-1)!.result?.isError, answer.text).toBeFalsy();
    expect(answer.messages.filter((m) => m.method === 'notifications/message').map((m) => m.params?.data)).toEqual([
      { event: 'token_refreshed', account_id: ACCOUNT_IDS.hubspot, tool: 'describe_crm', message: 'the access token was refreshed' },
    ]);
  });
});
