/**
 * The product's real parts against the faithful sandbox fakes (src/sandbox): the real engine and
 * definitions, the real token manager over an in-memory account store, refresh config derived
 * from each definition as resolved for the account's environment (so token, introspection and
 * API calls all go to the fakes through one environment override). Only the wire is loopback.
 */
import { Agent } from 'undici';
import type { LinkedAccount } from '../../../src/accounts/model.js';
import { cryptoRandom, type Logger } from '../../../src/core/deps.js';
import { createEngine, type EngineOptions } from '../../../src/engine/engine.js';
import type { Engine, EngineRequest, EngineResult } from '../../../src/engine/types.js';
import { loadRegistry, resolveDefinition, type ExpressionBounds, type IntegrationRegistry, type Json } from '../../../src/integrations/index.js';
import { refreshConfigFor, type OAuthRefreshConfig } from '../../../src/oauth/refresh.js';
import { startSandboxes, type Sandboxes, type SandboxesOptions } from '../../../src/sandbox/index.js';
import type { AccountStore } from '../../../src/store/account-store.js';
import { plainCodec } from '../../helpers/memory-kv.js';
import { createAccountStore } from '../../../src/store/kv-account-store.js';
import { createMemoryKv } from '../../helpers/memory-kv.js';
import { createTokenManager, type TokenManager } from '../../../src/tokens/manager.js';
import { manualClock, type ManualClock } from '../../helpers/manual-clock.js';
import { account, silentLogger } from './accounts.js';

export type Crm = 'hubspot' | 'salesforce';

export interface SandboxRig {
  sb: Sandboxes;
  clock: ManualClock;
  registry: IntegrationRegistry;
  store: AccountStore;
  tokens: TokenManager;
  engine: Engine;
  /** Log lines of the engine and the token manager (to check no secret is logged). */
  logs: string[];
  /** Every result `run` returned (to check no secret reaches a caller). */
  results: EngineResult[];
  /** Host (with port) of each fake, for insecureHosts. */
  hosts: Record<Crm, string>;
  /** Stores an active account holding the seeded grant of `crm`, or a grant of its own (`ownGrant`). */
  addAccount(crm: Crm, over?: Partial<LinkedAccount>, opts?: { ownGrant?: boolean }): Promise<LinkedAccount>;
  /** Runs a request for a stored account (read fresh from the store, as a tool call would). */
  run(accountId: string, req: Omit<EngineRequest, 'account'>, engine?: Engine): Promise<EngineResult>;
  /** Another engine over the same parts (a replica), with its own options. */
  engineWith(o: NonNullable<SandboxRigOptions['engine']>): Engine;
  close(): Promise<void>;
}

export interface SandboxRigOptions {
  sandboxes?: Omit<SandboxesOptions, 'clock'>;
  engine?: Pick<EngineOptions, 'cursorKeys' | 'cursorTtlMs' | 'envOverrides' | 'idempotency' | 'discoveryTtlMs'> & { expressionBounds?: ExpressionBounds };
}

export async function startSandboxRig(opts: SandboxRigOptions = {}): Promise<SandboxRig> {
  const clock = manualClock();
  const sb = await startSandboxes({ clock, ...opts.sandboxes });
  const grants = sb.grants;
  if (!grants) throw new Error('sandbox rig needs the seeded grants');
  const hosts: Record<Crm, string> = { hubspot: new URL(sb.hubspot.url).host, salesforce: new URL(sb.salesforce.url).host };
  const dispatcher = new Agent();
  const registry = loadRegistry();
  const logs: string[] = [];
  const results: EngineResult[] = [];
  const logger: Logger = silentLogger(logs);
  const kv = createMemoryKv(clock);
  const store = createAccountStore({ kv, codec: plainCodec, clock });
  const oauthOf = (f: Sandboxes[Crm]): Json => ({ token_url: f.tokenUrl, introspect_url: f.introspectUrl, revoke_url: f.revokeUrl });
  const envOverrides: Record<string, Record<string, Json>> = {
    test: { hubspot: { base_url: sb.hubspot.url, auth: oauthOf(sb.hubspot) }, salesforce: { auth: oauthOf(sb.salesforce) } },
  };
  const insecureHosts = Object.values(hosts);

  async function resolveRefreshConfig(a: LinkedAccount): Promise<OAuthRefreshConfig> {
    const grant = grants?.[a.integration as Crm];
    if (!grant) throw new Error(`no sandbox client for ${a.integration}`);
    const def = resolveDefinition(registry.get(a.integration), envOverrides[a.environment]?.[a.integration], {});
    return refreshConfigFor(def, { client_id: grant.clientId, client_secret: grant.clientSecret }, { extraAllowedHosts: insecureHosts });
  }

  const deps = { clock, random: cryptoRandom, logger, dispatcher };
  const tokens = createTokenManager({ deps, store, kv, resolveRefreshConfig });
  // Idempotent writes keep their results in the rig's store (plain: an in-memory test store has no keyring).
  const engine = createEngine({ registry, tokens, deps, envOverrides, insecureHosts, idempotency: { kv }, ...opts.engine });

  return {
    sb, clock, registry, store, tokens, engine, logs, results, hosts,
    async addAccount(crm, over = {}, o = {}) {
      const g = o.ownGrant ? { ...grants[crm], ...sb[crm].oauth.seedGrant({ clientId: grants[crm].clientId }) } : grants[crm];
      const base = account(crm, {
        id: `acct-${crm}`,
        context: {
          oauth: { token: { access_token: g.accessToken, ...(g.refreshToken ? { refresh_token: g.refreshToken } : {}), expires_at: new Date(g.expiresAt).toISOString() } },
          ...(crm === 'salesforce' ? { instance_url: g.baseUrl } : {}),
        },
      });
      return store.put({ ...base, ...over, context: { ...base.context, ...over.context } });
    },
    engineWith: (o) => createEngine({ registry, tokens, deps, envOverrides, insecureHosts, idempotency: { kv }, ...o }),
    async run(accountId, req, using = engine) {
      const a = await store.get(accountId);
      if (!a) throw new Error(`no account ${accountId}`);
      const r = await using.execute({ ...req, account: a });
      results.push(r);
      return r;
    },
    async close() {
      await sb.close();
      await dispatcher.close();
    },
  };
}

export function ok(r: EngineResult): Extract<EngineResult, { ok: true }> {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r;
}

/** Every page of a list, following next_cursor. */
export async function listAll(rig: SandboxRig, accountId: string, req: Omit<EngineRequest, 'account' | 'cursor'>, beforePage?: (page: number) => void): Promise<{ records: Array<Record<string, unknown>>; pages: EngineResult[] }> {
  const records: Array<Record<string, unknown>> = [];
  const pages: EngineResult[] = [];
  let cursor: string | undefined;
  do {
    beforePage?.(pages.length);
    const page = ok(await rig.run(accountId, { ...req, ...(cursor ? { cursor } : {}) }));
    pages.push(page);
    records.push(...(page.data as Array<Record<string, unknown>>));
    cursor = page.next_cursor ?? undefined;
  } while (cursor && pages.length < 50);
  return { records, pages };
}
