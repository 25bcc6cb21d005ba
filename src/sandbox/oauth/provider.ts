/**
 * In-memory OAuth 2.0 authorization server core: grants, codes, access/refresh tokens and the
 * token endpoint. HTTP-agnostic — routes in the fake servers feed it parsed requests and write
 * its `Reply`. Expiry runs on the injected clock. Tokens are opaque random strings.
 */
import { createHash, createHmac } from 'node:crypto';
import { cryptoRandom, systemClock, type Clock, type Random } from '../../core/deps.js';
import { basicAuth, FaultQueue, parseForm, type IncomingCall, type Reply } from '../http.js';
import { flavorDefaults, tokenFailureReply, tokenSuccessBody, type FlavorDefaults } from './flavors.js';
import type {
  AccessTokenState, FakeClient, FakeOAuthOptions, OAuthFlavor, OAuthSettings, OAuthStats,
  SeededGrant, SeedGrantOptions, TokenFailure,
} from './types.js';

export const DEFAULT_CLIENT_ID = 'fake-client-id';
export const DEFAULT_CLIENT_SECRET = 'fake-client-secret';

interface Grant {
  id: string;
  clientId: string;
  scope: string;
  revoked: boolean;
  /** The refresh token currently valid for this grant. */
  refreshToken: string | undefined;
  accessTokens: Set<string>;
  userId: string;
  orgId: string;
}

interface AccessRec {
  grantId: string;
  issuedAt: number;
  expiresAt: number;
  revoked: boolean;
}

type RefreshRec = { grantId: string; status: 'current' | 'consumed' | 'revoked' | 'kept' };

export interface AuthCode {
  clientId: string;
  redirectUri: string | undefined;
  scope: string;
  challenge: string | undefined;
  challengeMethod: string | undefined;
  expiresAt: number;
  used: boolean;
}

export class FakeOAuthProvider {
  readonly flavor: OAuthFlavor;
  readonly settings: OAuthSettings;
  readonly defaults: FlavorDefaults;
  readonly clients: FakeClient[];
  readonly faults = new FaultQueue();
  readonly stats: OAuthStats = {
    tokenRequests: 0, byGrantType: {}, invalidGrants: 0, reuseRevocations: 0,
    authorizeRequests: 0, introspectRequests: 0, revokeRequests: 0, issuedAccessTokens: [],
  };
  issuerUrl: string;
  readonly clock: Clock;
  private readonly random: Random;
  private readonly grants = new Map<string, Grant>();
  private readonly access = new Map<string, AccessRec>();
  private readonly refresh = new Map<string, RefreshRec>();
  readonly codes = new Map<string, AuthCode>();
  private seq = 0;

  constructor(opts: FakeOAuthOptions = {}) {
    this.flavor = opts.flavor ?? 'generic';
    this.defaults = flavorDefaults(this.flavor);
    this.clock = opts.clock ?? systemClock;
    this.random = opts.random ?? cryptoRandom;
    this.issuerUrl = opts.issuerUrl ?? 'http://127.0.0.1';
    this.clients = opts.clients ?? [{ clientId: DEFAULT_CLIENT_ID, clientSecret: DEFAULT_CLIENT_SECRET }];
    const d = this.defaults;
    this.settings = {
      rotateRefreshTokens: opts.rotateRefreshTokens ?? false,
      reuseDetection: opts.reuseDetection ?? true,
      keepOldRefreshTokens: opts.keepOldRefreshTokens ?? false,
      accessTokenTtlSeconds: opts.accessTokenTtlSeconds ?? d.accessTokenTtlSeconds,
      omitExpiresIn: opts.omitExpiresIn ?? d.omitExpiresIn,
      requirePkce: opts.requirePkce ?? d.requirePkce,
      returnRefreshTokenOnRefresh: opts.returnRefreshTokenOnRefresh ?? d.returnRefreshTokenOnRefresh,
      clientAuth: opts.clientAuth ?? 'either',
      codeTtlSeconds: opts.codeTtlSeconds ?? d.codeTtlSeconds,
      consent: opts.consent ?? 'approve',
      instanceUrl: opts.instanceUrl,
      defaultScope: opts.defaultScope ?? d.defaultScope,
    };
  }

  // ---- test helpers -------------------------------------------------------------------------

  /** Mints a grant directly (no HTTP), as if the user had consented earlier. */
  seedGrant(o: SeedGrantOptions = {}): SeededGrant {
    const grant = this.newGrant(o.clientId ?? this.clients[0]?.clientId ?? DEFAULT_CLIENT_ID, o.scope ?? this.settings.defaultScope);
    const rt = o.refreshToken === null ? undefined : (o.refreshToken ?? this.token('rt'));
    if (rt !== undefined) this.setRefresh(grant, rt);
    const ttl = o.accessTokenTtlSeconds ?? this.settings.accessTokenTtlSeconds;
    const at = this.mintAccess(grant, ttl, o.accessToken);
    if (o.expired) this.expireAccessToken(at);
    return { grantId: grant.id, accessToken: at, refreshToken: rt, expiresAt: this.access.get(at)?.expiresAt ?? 0 };
  }

  /** The access token stops working now (as if its session timed out). */
  expireAccessToken(token: string): void {
    const rec = this.access.get(token);
    if (rec) rec.expiresAt = Math.min(rec.expiresAt, this.clock.now() - 1);
  }

  /** Every live access token expires now. */
  expireAllAccessTokens(): void {
    for (const t of this.access.keys()) this.expireAccessToken(t);
  }

  /** Revokes the grant a refresh (or access) token belongs to: every token of it dies. */
  revokeGrant(token: string): boolean {
    const grantId = this.refresh.get(token)?.grantId ?? this.access.get(token)?.grantId;
    const g = grantId === undefined ? undefined : this.grants.get(grantId);
    if (!g) return false;
    this.killGrant(g);
    return true;
  }

  isAccessTokenValid(token: string): boolean {
    return this.checkAccessToken(token).state === 'valid';
  }

  checkAccessToken(token: string): AccessTokenState {
    const rec = this.access.get(token);
    if (!rec) return { state: 'unknown' };
    const g = this.grants.get(rec.grantId);
    if (rec.revoked || !g || g.revoked) return { state: 'revoked' };
    if (this.clock.now() >= rec.expiresAt) return { state: 'expired', grantId: rec.grantId, expiresAt: rec.expiresAt };
    return { state: 'valid', grantId: rec.grantId, expiresAt: rec.expiresAt, scope: g.scope };
  }

  /** The refresh token a grant currently accepts (follows rotation). */
  currentRefreshToken(tokenOrGrantId: string): string | undefined {
    const grantId = this.grants.has(tokenOrGrantId) ? tokenOrGrantId : (this.refresh.get(tokenOrGrantId)?.grantId ?? this.access.get(tokenOrGrantId)?.grantId);
    const g = grantId === undefined ? undefined : this.grants.get(grantId);
    return g && !g.revoked ? g.refreshToken : undefined;
  }

  isGrantRevoked(tokenOrGrantId: string): boolean {
    const grantId = this.grants.has(tokenOrGrantId) ? tokenOrGrantId : (this.refresh.get(tokenOrGrantId)?.grantId ?? this.access.get(tokenOrGrantId)?.grantId);
    const g = grantId === undefined ? undefined : this.grants.get(grantId);
    return g === undefined || g.revoked;
  }

  grantOf(token: string): { grantId: string; userId: string; orgId: string; scope: string; clientId: string } | undefined {
    const grantId = this.refresh.get(token)?.grantId ?? this.access.get(token)?.grantId;
    const g = grantId === undefined ? undefined : this.grants.get(grantId);
    return g && { grantId: g.id, userId: g.userId, orgId: g.orgId, scope: g.scope, clientId: g.clientId };
  }

  accessTokenRecord(token: string): Readonly<AccessRec> | undefined {
    return this.access.get(token);
  }

  refreshTokenStatus(token: string): RefreshRec['status'] | undefined {
    return this.refresh.get(token)?.status;
  }

  // ---- token endpoint -----------------------------------------------------------------------

  /** `POST` token endpoint. `hubspotV3` selects HubSpot's v3 body (token_use, hub_id, scopes). */
  async handleToken(call: IncomingCall, opts: { hubspotV3?: boolean } = {}): Promise<Reply> {
    this.stats.tokenRequests += 1;
    const fault = this.faults.take('token');
    if (fault) return fault;
    const form = parseForm(call.body);
    const gt = form.get('grant_type') ?? '';
    this.stats.byGrantType[gt] = (this.stats.byGrantType[gt] ?? 0) + 1;
    const auth = this.authenticateClient(call, form);
    if (typeof auth === 'string') return this.fail(auth, call);
    switch (gt) {
      case 'refresh_token':
        return this.refreshGrant(form, auth, call, opts);
      case 'authorization_code':
        return this.codeGrant(form, auth, call, opts);
      case 'client_credentials': {
        const g = this.newGrant(auth.clientId, form.get('scope') ?? this.settings.defaultScope);
        return this.success(g, undefined, opts);
      }
      default:
        return this.fail(gt ? 'unsupported_grant_type' : 'invalid_request', call);
    }
  }

  /** Client authentication per `settings.clientAuth`; returns the client or a failure. */
  authenticateClient(call: IncomingCall, form: URLSearchParams): FakeClient | TokenFailure {
    const basic = basicAuth(call.headers);
    const postId = form.get('client_id');
    const postSecret = form.get('client_secret');
    const mode = this.settings.clientAuth;
    if (basic && postSecret !== null) return 'invalid_request';
    let id: string | null;
    let secret: string | null;
    if (basic) {
      if (mode === 'client_secret_post') return 'invalid_client';
      ({ id, secret } = basic);
    } else {
      if (mode === 'client_secret_basic' && postSecret !== null) return 'invalid_client';
      id = postId;
      secret = postSecret;
    }
    const client = this.clients.find((c) => c.clientId === id);
    if (!client) return 'invalid_client';
    if (client.clientSecret !== undefined) {
      if (mode === 'client_secret_basic' && !basic) return 'invalid_client';
      if (secret !== client.clientSecret) return 'invalid_client';
    }
    return client;
  }

  private refreshGrant(form: URLSearchParams, client: FakeClient, call: IncomingCall, opts: { hubspotV3?: boolean }): Reply {
    const rt = form.get('refresh_token');
    if (!rt) return this.fail('invalid_request', call);
    const rec = this.refresh.get(rt);
    const g = rec ? this.grants.get(rec.grantId) : undefined;
    if (!rec || !g || g.clientId !== client.clientId) return this.fail('bad_refresh_token', call);
    if (g.revoked || rec.status === 'revoked') return this.fail('bad_refresh_token', call);
    if (rec.status === 'consumed') {
      if (this.settings.reuseDetection) {
        this.stats.reuseRevocations += 1;
        this.killGrant(g);
      }
      return this.fail('bad_refresh_token', call);
    }
    let newRt: string | undefined;
    if (this.settings.rotateRefreshTokens) {
      rec.status = this.settings.keepOldRefreshTokens ? 'kept' : 'consumed';
      newRt = this.token('rt');
      this.setRefresh(g, newRt);
    } else if (this.settings.returnRefreshTokenOnRefresh) {
      newRt = g.refreshToken;
    }
    return this.success(g, newRt, opts);
  }

  private codeGrant(form: URLSearchParams, client: FakeClient, call: IncomingCall, opts: { hubspotV3?: boolean }): Reply {
    const codeValue = form.get('code');
    if (!codeValue) return this.fail('invalid_request', call);
    const code = this.codes.get(codeValue);
    if (!code || code.used || code.clientId !== client.clientId || this.clock.now() >= code.expiresAt) return this.fail('bad_code', call);
    const redirect = form.get('redirect_uri') ?? undefined;
    if (code.redirectUri !== undefined && redirect !== code.redirectUri) return this.fail('redirect_mismatch', call);
    if (code.challenge !== undefined) {
      const verifier = form.get('code_verifier');
      if (!verifier) return this.fail('pkce_missing', call);
      const computed = code.challengeMethod === 'plain' ? verifier : createHash('sha256').update(verifier).digest('base64url');
      if (computed !== code.challenge) return this.fail('pkce_mismatch', call);
    }
    code.used = true;
    const g = this.newGrant(client.clientId, code.scope);
    const wantsRt = this.flavor !== 'salesforce' || /\b(refresh_token|offline_access)\b/.test(code.scope);
    const rt = wantsRt ? this.token('rt') : undefined;
    if (rt !== undefined) this.setRefresh(g, rt);
    return this.success(g, rt, opts);
  }

  private success(g: Grant, refreshToken: string | undefined, opts: { hubspotV3?: boolean }): Reply {
    const ttl = this.settings.accessTokenTtlSeconds;
    const at = this.mintAccess(g, ttl);
    this.stats.issuedAccessTokens.push(at);
    const issuedAt = this.clock.now();
    const client = this.clients.find((c) => c.clientId === g.clientId);
    const id = `${this.issuerUrl}/id/${g.orgId}/${g.userId}`;
    // Salesforce signs id + issued_at with the client secret (HMAC-SHA256, base64).
    const signature = createHmac('sha256', client?.clientSecret ?? '').update(id + String(issuedAt)).digest('base64');
    const body = tokenSuccessBody(this.flavor, {
      accessToken: at, refreshToken, scope: g.scope, ttlSeconds: ttl,
      omitExpiresIn: this.settings.omitExpiresIn || this.flavor === 'salesforce', issuedAt,
      instanceUrl: this.settings.instanceUrl, issuerUrl: this.issuerUrl, clientSecret: client?.clientSecret,
      orgId: g.orgId, userId: g.userId, hubId: 1000 + Number(g.id.replace(/\D/g, '')), hubspotV3: opts.hubspotV3 ?? false,
    }, signature);
    return { status: 200, headers: { 'cache-control': 'no-store', pragma: 'no-cache' }, json: body };
  }

  private fail(f: TokenFailure, call: IncomingCall): Reply {
    if (f === 'bad_refresh_token' || f === 'bad_code' || f === 'pkce_missing' || (f === 'pkce_mismatch' && this.flavor !== 'salesforce')) this.stats.invalidGrants += 1;
    return tokenFailureReply(this.flavor, f, basicAuth(call.headers) !== undefined);
  }

  // ---- shared state helpers (also used by the authorize/introspect/revoke endpoints) --------

  newGrant(clientId: string, scope: string): Grant {
    this.seq += 1;
    const n = String(this.seq).padStart(7, '0');
    const g: Grant = { id: `grant-${this.seq}`, clientId, scope, revoked: false, refreshToken: undefined, accessTokens: new Set(), userId: `005FAKE${n}AAA`, orgId: `00DFAKE${n}EAA` };
    this.grants.set(g.id, g);
    return g;
  }

  private setRefresh(g: Grant, rt: string): void {
    g.refreshToken = rt;
    this.refresh.set(rt, { grantId: g.id, status: 'current' });
  }

  private mintAccess(g: Grant, ttlSeconds: number, value?: string): string {
    const at = value ?? this.token('at');
    const now = this.clock.now();
    this.access.set(at, { grantId: g.id, issuedAt: now, expiresAt: now + ttlSeconds * 1000, revoked: false });
    g.accessTokens.add(at);
    return at;
  }

  private killGrant(g: Grant): void {
    g.revoked = true;
    for (const at of g.accessTokens) {
      const r = this.access.get(at);
      if (r) r.revoked = true;
    }
    for (const r of this.refresh.values()) if (r.grantId === g.id) r.status = 'revoked';
  }

  /** RFC 7009-style revocation of one token: a refresh token ends the grant (access tokens too unless the flavor says otherwise). */
  revokeToken(token: string): 'refresh' | 'access' | undefined {
    const r = this.refresh.get(token);
    if (r) {
      const g = this.grants.get(r.grantId);
      if (g && this.defaults.revokeRefreshKillsAccess) this.killGrant(g);
      else r.status = 'revoked';
      return 'refresh';
    }
    const a = this.access.get(token);
    if (a) {
      a.revoked = true;
      return 'access';
    }
    return undefined;
  }

  /** Refresh token lookup for introspection. */
  refreshInfo(token: string): { active: boolean; grantId: string } | undefined {
    const r = this.refresh.get(token);
    if (!r) return undefined;
    const g = this.grants.get(r.grantId);
    return { active: !!g && !g.revoked && (r.status === 'current' || r.status === 'kept'), grantId: r.grantId };
  }

  grant(grantId: string): Readonly<Grant> | undefined {
    return this.grants.get(grantId);
  }

  token(kind: 'at' | 'rt' | 'code'): string {
    const rand = this.random.bytes(24).toString('base64url');
    if (kind === 'code') return this.flavor === 'salesforce' ? `aPrx${rand}` : `code_${rand}`;
    if (kind === 'rt') return this.flavor === 'salesforce' ? `5Aep861${rand}` : this.flavor === 'zoho' ? `1000.${rand}` : `rt_${rand}`;
    return `${this.defaults.tokenPrefix}${rand}`;
  }
}
