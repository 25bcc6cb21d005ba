/**
 * The server-stateless (SEP-2575) requirements the conformance suite cannot test on a CRM server:
 * its four checks call the suite's own diagnostic tools (test_missing_capability twice,
 * test_streaming_elicitation, test_logging_tool; test/conformance/baseline-2026-07-28.yml). The
 * same requirements on crm-mcp's real tools, over HTTP with raw fetch, against the built `serve`
 * and the HubSpot fake (rate limit 1 request per window, so every call leaves 0 % remaining):
 *   (a) no `notifications/message` for a 2026-07-28 tools/call without `_meta` logLevel, even
 *       when a notice fires (needs_reauth account; rate limit below 10 %);
 *   (b) a response stream carries no independent JSON-RPC requests: only notifications, then
 *       the result with the request's id;
 *   (c) nothing relies on a client capability the request did not declare: a needs_reauth call
 *       without URL-mode elicitation declared gets the isError result with reconnect_url, never an
 *       InputRequiredResult or an elicitation request (so -32021 never arises).
 * Each absence is asserted against a control that shows the same call does produce it when allowed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccessTokenStore } from '../../src/access-tokens/store.js';
import { loadConfig } from '../../src/app/config.js';
import { openStore } from '../../src/app/open-store.js';
import { cryptoRandom, systemClock } from '../../src/core/deps.js';
import { startServe, type ServeProcess } from '../helpers/serve-process.js';
import { modernPost, type ModernAnswer, type ModernCall } from './helpers/modern-post.js';
import { ACCOUNT_IDS, startSandboxCrms, TENANTS, type SandboxCrms } from './helpers/sandbox-crms.js';

const RECONNECT = 'https://app.example/reconnect/{account}';
let crms: SandboxCrms;
let srv: ServeProcess;
/** Bearer tokens: `active` for the HubSpot account, `reauth` for the needs_reauth one (nodeals, on the same fake). */
const tokens = { active: '', reauth: '' };

beforeAll(async () => {
  crms = await startSandboxCrms({ hubspot: { rateLimit: { max: 1, intervalMs: 1 } } });
  const { env } = await crms.seedStore();
  const store = await openStore(loadConfig({ env }), { notice: () => {} });
  try {
    await store.accounts.update(ACCOUNT_IDS.nodeals, (a) => ({ ...a, status: 'needs_reauth' }));
    const mint = createAccessTokenStore({ kv: store.kv, clock: systemClock, random: cryptoRandom });
    tokens.active = (await mint.create({ tenantId: TENANTS.hubspot, accountId: ACCOUNT_IDS.hubspot })).token;
    tokens.reauth = (await mint.create({ tenantId: TENANTS.nodeals, accountId: ACCOUNT_IDS.nodeals })).token;
  } finally {
    await store.close();
  }
  srv = await startServe({ ...env, CRM_MCP_RECONNECT_URL: RECONNECT });
}, 60_000);
afterAll(async () => {
  await srv?.stop();
  await crms?.close();
});

const call = (who: keyof typeof tokens, over: Partial<ModernCall> = {}): Promise<ModernAnswer> =>
  modernPost(`${srv.url}/mcp`, { method: 'tools/call', name: 'list_contacts', params: { arguments: { limit: 1 } }, headers: { authorization: `Bearer ${tokens[who]}` }, ...over });
const logs = (a: ModernAnswer) => a.messages.filter((m) => m.method === 'notifications/message');
const resultOf = (a: ModernAnswer) => a.messages.find((m) => m.id === 1)?.result as { resultType?: string; isError?: boolean; requestState?: string; inputRequests?: unknown; structuredContent?: { error?: { code?: string; reconnect_url?: string } } } | undefined;

/** (b): every message before the last is a notification (a method, no id); the last is the answer to id 1. */
function onlyNotificationsThenResult(a: ModernAnswer): void {
  expect(a.messages.length, a.text).toBeGreaterThan(0);
  const last = a.messages.at(-1)!;
  expect(last.id).toBe(1);
  expect(last.method).toBeUndefined();
  for (const m of a.messages.slice(0, -1)) {
    expect(m.id, JSON.stringify(m)).toBeUndefined();
    expect(m.method, JSON.stringify(m)).toMatch(/^notifications\//);
  }
}

describe('server-stateless requirements on the real tools (2026-07-28, HTTP)', () => {
  it('(a) no notifications/message without _meta logLevel, although the needs_reauth and low-rate-limit notices fire when one is set', async () => {
    const reauthWithLevel = await call('reauth', { logLevel: 'debug' });
    expect(logs(reauthWithLevel).map((m) => (m.params as { level: string; data: { event: string } }).data.event)).toEqual(['needs_reauth']);
    const lowWithLevel = await call('active', { logLevel: 'debug' });
    expect(resultOf(lowWithLevel)?.isError, lowWithLevel.text).toBeFalsy();
    expect(logs(lowWithLevel).map((m) => (m.params as { data: { event: string } }).data.event)).toEqual(['rate_limit_low']);

    const reauth = await call('reauth');
    expect(resultOf(reauth)?.structuredContent?.error?.code).toBe('needs_reauth');
    expect(logs(reauth)).toEqual([]);
    const low = await call('active');
    expect(resultOf(low)?.isError, low.text).toBeFalsy();
    expect(logs(low)).toEqual([]);
  });

  it('(b) response streams carry only notifications and then the result: never an independent request, not even for the reconnect round', async () => {
    const answers = [
      await call('reauth', { logLevel: 'debug' }),
      await call('active', { logLevel: 'debug' }),
      await call('reauth', { logLevel: 'debug', capabilities: { elicitation: { url: {} } } }),
    ];
    expect(answers.some((a) => a.contentType.includes('text/event-stream') && a.messages.length > 1)).toBe(true);
    for (const a of answers) onlyNotificationsThenResult(a);
    // The reconnect round is an InputRequiredResult in the answer, not an elicitation/create request.
    expect(resultOf(answers[2]!)?.resultType).toBe('input_required');
  });

  it('(c) a needs_reauth call from a client that did not declare URL elicitation gets isError + reconnect_url, never an InputRequiredResult or -32021', async () => {
    const link = `https://app.example/reconnect/${ACCOUNT_IDS.nodeals}`;
    for (const capabilities of [{}, { elicitation: {} }, { elicitation: { form: {} } }, { sampling: {}, roots: {} }]) {
      const a = await call('reauth', { capabilities, logLevel: 'debug' });
      expect(a.status, a.text).toBe(200);
      onlyNotificationsThenResult(a);
      const r = resultOf(a);
      expect(r?.resultType, a.text).toBe('complete');
      expect(r?.isError).toBe(true);
      expect(r?.structuredContent?.error).toMatchObject({ code: 'needs_reauth', reconnect_url: link });
      expect(r).not.toHaveProperty('inputRequests');
      expect(r).not.toHaveProperty('requestState');
    }
    // Declared, it is used: the same call becomes the reconnect round.
    const declared = resultOf(await call('reauth', { capabilities: { elicitation: { url: {} } } }));
    expect(declared?.resultType).toBe('input_required');
  });
});
