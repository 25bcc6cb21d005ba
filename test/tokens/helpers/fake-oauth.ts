/**
 * Loopback OAuth token endpoint for token-manager tests (stand-in until src/sandbox/oauth lands):
 * refresh_token grants with optional rotation and reuse detection (reuse of a consumed refresh
 * token revokes the whole grant, as real providers do), optional omission of expires_in
 * (Salesforce), queued faults (500, 429, hang, revoked), request counting, and provider error
 * flavors (RFC 6749 invalid_grant, HubSpot BAD_REFRESH_TOKEN, Zoho HTTP 200 invalid_code).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Fault = { kind: 'status'; status: number; retryAfter?: string } | { kind: 'hang' } | { kind: 'revoked' } | { kind: 'invalid_client' };

export interface FakeOAuth {
  url: string;
  tokenUrl: string;
  introspectUrl: string;
  requests: number;
  invalidGrants: number;
  /** Adds a grant whose current refresh token is `refreshToken`. */
  addGrant(refreshToken: string): void;
  currentRefreshToken(refreshToken: string): string | undefined;
  grantRevoked(refreshToken: string): boolean;
  issued: string[];
  faults: Fault[];
  /** Applied to every request while set (after queued faults). */
  stickyFault: Fault | undefined;
  close(): Promise<void>;
}

export interface FakeOAuthOptions {
  rotate?: boolean;
  omitExpiresIn?: boolean;
  expiresIn?: number;
  flavor?: 'rfc' | 'hubspot' | 'zoho' | 'salesforce';
  /** Delay before answering (ms, real time) — widens race windows. */
  delayMs?: number;
  clientId?: string;
  clientSecret?: string;
}

interface Grant {
  current: string;
  consumed: Set<string>;
  revoked: boolean;
}

export async function startFakeOAuth(o: FakeOAuthOptions = {}): Promise<FakeOAuth> {
  const byToken = new Map<string, Grant>();
  const accessExp = new Map<string, number>();
  let n = 0;
  const hung = new Set<() => void>();
  const state = { requests: 0, invalidGrants: 0, issued: [] as string[], faults: [] as Fault[], stickyFault: undefined as Fault | undefined };

  const revokedBody = (): [number, unknown] => {
    state.invalidGrants++;
    if (o.flavor === 'hubspot') return [400, { status: 'BAD_REFRESH_TOKEN', message: 'missing or invalid refresh token', correlationId: 'c0ffee', category: 'VALIDATION_ERROR' }];
    if (o.flavor === 'zoho') return [200, { error: 'invalid_code' }];
    if (o.flavor === 'salesforce') return [400, { error: 'invalid_grant', error_description: 'expired access/refresh token' }];
    return [400, { error: 'invalid_grant', error_description: 'refresh token is invalid, expired or revoked' }];
  };

  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        const go = () => {
          res.writeHead(status, { 'content-type': 'application/json', ...headers });
          res.end(JSON.stringify(body));
        };
        if (o.delayMs) setTimeout(go, o.delayMs);
        else go();
      };
      const form = new URLSearchParams(raw);
      if (req.url === '/introspect') {
        const exp = accessExp.get(form.get('token') ?? '');
        return send(200, exp === undefined ? { active: false } : { active: true, exp: Math.floor(exp / 1000) });
      }
      if (req.url !== '/token') return send(404, { error: 'not_found' });
      state.requests++;
      const fault = state.faults.shift() ?? state.stickyFault;
      if (fault?.kind === 'hang') {
        hung.add(() => res.destroy());
        return;
      }
      if (fault?.kind === 'status') return send(fault.status, fault.status === 429 ? { status: 'error', message: 'rate limited' } : { error: 'server_error' }, fault.retryAfter ? { 'retry-after': fault.retryAfter } : {});
      if (fault?.kind === 'revoked') return send(...revokedBody());
      const basic = req.headers.authorization?.startsWith('Basic ') ? Buffer.from(req.headers.authorization.slice(6), 'base64').toString().split(':') : undefined;
      const clientId = basic ? decodeURIComponent(basic[0] ?? '') : form.get('client_id');
      const clientSecret = basic ? decodeURIComponent(basic[1] ?? '') : form.get('client_secret');
      if (fault?.kind === 'invalid_client' || (o.clientId && (clientId !== o.clientId || clientSecret !== o.clientSecret))) {
        return send(401, { error: 'invalid_client', error_description: 'client authentication failed' });
      }
      if (form.get('grant_type') !== 'refresh_token') return send(400, { error: 'unsupported_grant_type' });
      const rt = form.get('refresh_token') ?? '';
      const grant = byToken.get(rt);
      if (!grant || grant.revoked) return send(...revokedBody());
      if (grant.consumed.has(rt)) {
        grant.revoked = true;
        return send(...revokedBody());
      }
      n++;
      const access = `fake_at_${process.pid}_${n}_${Math.random().toString(36).slice(2)}`;
      state.issued.push(access);
      const expiresIn = o.expiresIn ?? 3600;
      accessExp.set(access, Date.now() + expiresIn * 1000);
      const body: Record<string, unknown> = { access_token: access, token_type: 'Bearer' };
      if (!o.omitExpiresIn) body.expires_in = expiresIn;
      if (o.flavor === 'salesforce') body.instance_url = 'https://acme.my.salesforce.com';
      if (o.rotate) {
        const next = `fake_rt_${n}_${Math.random().toString(36).slice(2)}`;
        grant.consumed.add(rt);
        grant.current = next;
        byToken.set(next, grant);
        body.refresh_token = next;
      }
      send(200, body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    tokenUrl: `${url}/token`,
    introspectUrl: `${url}/introspect`,
    get requests() {
      return state.requests;
    },
    get invalidGrants() {
      return state.invalidGrants;
    },
    get issued() {
      return state.issued;
    },
    get faults() {
      return state.faults;
    },
    get stickyFault() {
      return state.stickyFault;
    },
    set stickyFault(f) {
      state.stickyFault = f;
    },
    set requests(v) {
      state.requests = v;
    },
    set invalidGrants(v) {
      state.invalidGrants = v;
    },
    set issued(v) {
      state.issued = v;
    },
    set faults(v) {
      state.faults = v;
    },
    addGrant(rt) {
      byToken.set(rt, { current: rt, consumed: new Set(), revoked: false });
    },
    currentRefreshToken: (rt) => byToken.get(rt)?.current,
    grantRevoked: (rt) => byToken.get(rt)?.revoked === true,
    async close() {
      for (const h of hung) h();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
