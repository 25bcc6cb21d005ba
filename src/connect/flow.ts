/**
 * The connect flow as transport-free operations: create a link, look at one without using it,
 * turn a link (or a local CLI request) into the provider's consent URL, and finish a callback.
 * The HTTP handler (handler.ts) and the loopback `crm-mcp connect` both drive this.
 *
 * A re-authorization (a target with `account_id`) replaces the account's grant: once the new
 * tokens are stored, the tokens they replaced are revoked at the provider when the definition
 * has a `revoke_url`, so the superseded refresh token cannot be used again (complete.ts).
 */
import type { Dispatcher } from 'undici';
import type { Clock, Logger, Random } from '../core/deps.js';
import { CrmMcpError, isCrmMcpError } from '../core/errors.js';
import type { OAuthClientResolver } from '../oauth-clients/resolve.js';
import { buildAuthorizeUrl } from '../oauth/authorize.js';
import { buildCodeExchangeRequest, processCodeExchangeResponse } from '../oauth/code-exchange.js';
import { sendOAuthRequest } from '../oauth/http.js';
import type { AccountStore } from '../store/account-store.js';
import type { KvStore } from '../store/kv.js';
import type { LinkedAccount } from '../accounts/model.js';
import { completeConnection, type ConnectOutcome, type ConnectTarget } from './complete.js';
import { createLinkTokenStore, type LinkRecord } from './link-tokens.js';
import { createOAuthStateStore } from './oauth-state.js';
import { codeChallengeS256, createCodeVerifier } from './pkce.js';
import { revokeGrant } from './revoke.js';
import type { OAuthConnectSpec } from './spec.js';
import type { AccountValidator } from '../accounts/validation.js';
import type { AuditPort } from '../audit/log.js';
import type { Sealer } from '../crypto/sealer.js';
import type { TokenScheduler } from '../tokens/scheduler.js';
import type { LifecycleWebhooks } from '../webhooks/sender.js';

export interface ConnectFlowDeps {
  kv: KvStore;
  accounts: AccountStore;
  clock: Clock;
  random: Random;
  logger: Logger;
  dispatcher?: Dispatcher;
  sealer: Sealer;
  oauthClients: OAuthClientResolver;
  /** The integration's OAuth description after environment overrides; throws 'integration_unknown'. */
  connectSpec(integration: string, environment: string): Promise<OAuthConnectSpec>;
  validator: AccountValidator;
  webhooks: LifecycleWebhooks;
  audit: AuditPort;
  scheduler?: TokenScheduler;
  /** Who is acting, for the audit trail (e.g. 'cli', 'connect-link'). */
  actor?: string;
}

export interface ConnectFlow {
  createLink(input: { tenantId: string; integration: string; environment?: string; accountId?: string; ttlMs?: number; baseUrl: string }): Promise<{
    url: string;
    expires_at: string;
    tenant_id: string;
    integration: string;
    environment: string;
    account_id?: string;
  }>;
  /** What a link is for, without using it (a preview never consumes a link); CrmMcpError('unauthorized') when unusable. */
  previewLink(linkToken: string): Promise<{ integration: string; displayName: string; expires_at: string }>;
  /** Link token → consent URL. The link is consumed. */
  beginFromLink(linkToken: string, redirectUri: string): Promise<string>;
  /** Consent URL for an operator-side target (the loopback `crm-mcp connect`). */
  begin(target: ConnectTarget, redirectUri: string): Promise<string>;
  /** The provider's redirect back: `code` + `state`, or `error`. */
  complete(query: { code?: string | null; state?: string | null; error?: string | null; error_description?: string | null }): Promise<ConnectOutcome>;
}

export function createConnectFlow(deps: ConnectFlowDeps): ConnectFlow {
  const links = createLinkTokenStore(deps);
  const states = createOAuthStateStore(deps);
  const actor = deps.actor ?? 'connect';
  const log = deps.logger.child({ component: 'connect' });

  async function checkTarget(t: ConnectTarget): Promise<OAuthConnectSpec> {
    const spec = await deps.connectSpec(t.integration, t.environment);
    await deps.oauthClients.resolveOAuthClient(t.integration, t.environment);
    if (t.account_id) {
      const acct = await deps.accounts.get(t.account_id);
      if (!acct || acct.tenant_id !== t.tenant_id || acct.integration !== t.integration) {
        throw new CrmMcpError('account_not_found', `tenant '${t.tenant_id}' has no ${t.integration} account '${t.account_id}'`, { details: { accountId: t.account_id } });
      }
      if (acct.authentication_method !== 'oauth2') throw new CrmMcpError('invalid_input', `account '${acct.id}' is not an OAuth account`);
    }
    return spec;
  }

  async function begin(t: ConnectTarget, redirectUri: string): Promise<string> {
    const spec = await checkTarget(t);
    const client = await deps.oauthClients.resolveOAuthClient(t.integration, t.environment);
    const verifier = spec.pkce ? createCodeVerifier(deps.random) : undefined;
    const state = await states.create({ ...t, redirect_uri: redirectUri, ...(verifier ? { code_verifier: verifier } : {}) });
    return buildAuthorizeUrl(spec, { clientId: client.client_id, scopes: client.scopes }, { redirectUri, state, ...(verifier ? { codeChallenge: codeChallengeS256(verifier) } : {}) });
  }

  const fail = async (code: string, reason: string, target?: Partial<ConnectTarget>): Promise<ConnectOutcome> => {
    await deps.audit.append({
      operation: target?.account_id ? 'reconnect' : 'connect',
      outcome: 'failure',
      actor,
      ...(target?.tenant_id ? { tenant_id: target.tenant_id } : {}),
      ...(target?.account_id ? { account_id: target.account_id } : {}),
      details: { reason, ...(target?.integration ? { integration: target.integration } : {}) },
    });
    log.info('connect refused', { code, reason });
    return { ok: false, code, reason };
  };

  return {
    async createLink(input) {
      const environment = input.environment ?? 'production';
      const target: ConnectTarget = { tenant_id: input.tenantId, integration: input.integration, environment, ...(input.accountId ? { account_id: input.accountId } : {}) };
      await checkTarget(target);
      const { token, record } = await links.create({ ...input, environment });
      const url = new URL('connect/start', input.baseUrl.endsWith('/') ? input.baseUrl : input.baseUrl + '/');
      url.searchParams.set('link', token);
      await deps.audit.append({
        operation: 'link_create',
        outcome: 'success',
        actor,
        tenant_id: record.tenant_id,
        ...(record.account_id ? { account_id: record.account_id } : {}),
        details: { integration: record.integration, environment, expires_at: record.expires_at },
      });
      return {
        url: url.toString(),
        expires_at: record.expires_at,
        tenant_id: record.tenant_id,
        integration: record.integration,
        environment,
        ...(record.account_id ? { account_id: record.account_id } : {}),
      };
    },

    async previewLink(linkToken) {
      const record = await links.peek(linkToken);
      const spec = await deps.connectSpec(record.integration, record.environment);
      return { integration: record.integration, displayName: spec.displayName ?? record.integration, expires_at: record.expires_at };
    },

    async beginFromLink(linkToken, redirectUri) {
      const record: LinkRecord = await links.consume(linkToken);
      return begin({ tenant_id: record.tenant_id, integration: record.integration, environment: record.environment, ...(record.account_id ? { account_id: record.account_id } : {}) }, redirectUri);
    },

    begin,

    async complete(query) {
      let pending;
      try {
        pending = await states.consume(query.state ?? '');
      } catch (err) {
        if (isCrmMcpError(err, 'unauthorized')) return fail('invalid_state', err.message);
        throw err;
      }
      const target: ConnectTarget = { tenant_id: pending.tenant_id, integration: pending.integration, environment: pending.environment, ...(pending.account_id ? { account_id: pending.account_id } : {}) };
      if (query.error) return fail('consent_denied', `the provider returned '${query.error.slice(0, 64)}' instead of a code`, target);
      if (!query.code) return fail('missing_code', 'the provider callback has no code', target);

      const spec = await deps.connectSpec(target.integration, target.environment);
      const client = await deps.oauthClients.resolveOAuthClient(target.integration, target.environment);
      const credentials = { clientId: client.client_id, ...(client.client_secret ? { clientSecret: client.client_secret } : {}) };
      const req = buildCodeExchangeRequest(spec, credentials, { code: query.code, redirectUri: pending.redirect_uri, ...(pending.code_verifier ? { codeVerifier: pending.code_verifier } : {}) });
      const res = await sendOAuthRequest(req, { ...(deps.dispatcher ? { dispatcher: deps.dispatcher } : {}), timeoutMs: 15_000 });
      const exchanged = processCodeExchangeResponse(spec, res, deps.clock.now());
      if (!exchanged.ok) return fail(exchanged.code, exchanged.reason, target);
      const revokeUrl = spec.revokeUrl;
      const revokeReplaced = revokeUrl
        ? (replaced: LinkedAccount) => revokeGrant({ revokeUrl, clientAuth: spec.clientAuth }, replaced, client, deps.dispatcher)
        : undefined;
      return completeConnection({ ...deps, actor, ...(revokeReplaced ? { revokeReplaced } : {}) }, target, exchanged.token, exchanged.context);
    },
  };
}
