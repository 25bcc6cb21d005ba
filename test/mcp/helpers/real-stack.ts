/**
 * The real engine over the real integration definitions (plus a test-only "nodeals"
 * definition: HubSpot without deals), with a fixed-token TokenProvider.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { LinkedAccount } from '../../../src/accounts/model.js';
import type { Deps } from '../../../src/core/deps.js';
import { createEngine } from '../../../src/engine/index.js';
import { createRegistry, loadDefinitionDirs, parseDefinition, type IntegrationRegistry } from '../../../src/integrations/index.js';
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

/** Hands out `token` for any account the lookup knows. */
export function fixedTokens(lookup: (id: string) => Promise<LinkedAccount | undefined>, token: string): TokenProvider {
  return {
    async getAccessToken(id) {
      const account = await lookup(id);
      if (!account) throw new Error(`no account ${id}`);
      return { accessToken: token, account };
    },
  };
}

export function realEngine(deps: Deps, tokens: TokenProvider, opts: { registry?: IntegrationRegistry; extraAllowedHosts?: string[] } = {}) {
  const registry = opts.registry ?? realRegistry();
  return {
    registry,
    engine: createEngine({ registry, tokens, deps, ...(opts.extraAllowedHosts ? { extraAllowedHosts: opts.extraAllowedHosts } : {}) }),
    crmName: (integration: string) => (registry.has(integration) ? registry.get(integration).display_name : undefined),
  };
}
