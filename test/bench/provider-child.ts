/**
 * The provider fake in a process of its own (bench child): the sandbox HubSpot (and Salesforce,
 * which the sandbox config also names) on loopback, its rate limit raised so the bench measures
 * crm-mcp and not throttling. Prints one JSON line `{ready, config, grant, hubspot_url}`: the
 * crm-mcp config file that points at it (sandboxConfig, as the demo writes it) and the seeded
 * HubSpot grant. Over IPC (`{provider: op, id}`) it answers `token-requests` (the OAuth server's
 * count) and `expire` (expires every access token it issued). Ends on SIGTERM.
 *   node --import tsx test/bench/provider-child.ts
 */
import { sandboxConfig } from '../../src/demo/sandbox-env.js';
import { startSandboxes } from '../../src/sandbox/index.js';
import { RAISED_LIMIT } from './provider.js';

const sb = await startSandboxes({ hubspot: { rateLimit: { ...RAISED_LIMIT, searchPerSecond: false } } });
process.on('message', (m: unknown) => {
  const msg = m as { provider?: string; id?: number };
  if (!msg || typeof msg.provider !== 'string') return;
  if (msg.provider === 'expire') sb.hubspot.oauth.expireAllAccessTokens();
  process.send?.({ provider: 'reply', id: msg.id, token_requests: sb.hubspot.oauth.stats.tokenRequests });
});
process.once('SIGTERM', () => {
  void sb.close().finally(() => process.exit(0));
});
process.stdout.write(JSON.stringify({ ready: true, config: sandboxConfig(sb), grant: sb.grants!.hubspot, hubspot_url: sb.hubspot.url }) + '\n');
