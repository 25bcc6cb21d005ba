/**
 * The real engine over the real integration definitions (plus a test-only "nodeals"
 * definition: HubSpot without deals), with a fixed-token TokenProvider.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { LinkedAccount } from '../../../src/accounts/model.js';
import type { Deps } from '../../../src/core/deps.js';
import { createEngine } from '../../../src/engine/index.js';
import { createRegistry, loadDefinitionDirs, parseDefinition, type IntegrationRegistry, type Json } from '../../../src/integrations/index.js';
import type { TokenProvider } from '../../../src/tokens/types.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

/** HubSpot's definition minus deals, under another name: an integration that supports no deals. */
export function noDealsDefinition() {
  const raw = JSON.parse(readFileSync(`${ROOT}integrations/hubspot.json`, 'utf8')) as { name: string; display_name: string; resources: Record<string, unknown> };
  raw.name = 'nodeals';
  raw.display_name = 'NoDeals CRM';
  delete raw.resources.deals;
  return parseDefinition(raw, 'test:nodeals');
}

export function realRegistry(): IntegrationRegistry {
  return createRegistry([...loadDefinitionDirs([`${ROOT}integrations`]), noDealsDefinition()]);
}

/** Hands out each account's stored access token (or `token` when given); never refreshes. */
export function fixedTokens(lookup: (id: string) => Promise<LinkedAccount | undefined>, token?: string): TokenProvider {
  return {
    async getAccessToken(id) {
      const account = await lookup(id);
      const accessToken = token ?? account?.context.oauth?.token.access_token;
      if (!account || !accessToken) throw new Error(`no token for account ${id}`);
      return { accessToken, account };
    },
  };
}

export function realEngine(
  deps: Deps,
  tokens: TokenProvider,
  opts: { registry?: IntegrationRegistry; extraAllowedHosts?: string[]; envOverrides?: Record<string, Record<string, Json>> } = {},
) {
  const registry = opts.registry ?? realRegistry();
  return {
    registry,
    engine: createEngine({
      registry,
      tokens,
      deps,
      ...(opts.extraAllowedHosts ? { extraAllowedHosts: opts.extraAllowedHosts } : {}),
      ...(opts.envOverrides ? { envOverrides: opts.envOverrides } : {}),
    }),
    crmName: (integration: string) => (registry.has(integration) ? registry.get(integration).display_name : undefined),
  };
}
