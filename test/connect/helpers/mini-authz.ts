/**
 * A minimal authorization server on loopback for connect-flow unit tests, shaped like the
 * providers' (HubSpot: expires_in 1800, no PKCE; Salesforce: issued_at + instance_url, PKCE S256
 * enforced: mismatch → invalid_request, missing verifier → invalid_grant). The sandbox fakes
 * (src/sandbox) are the faithful ones and drive the end-to-end tests.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface MiniAuthz {
  url: string;
  shape: 'hubspot' | 'salesforce';
  tokenRequests: number;
  /** Replace the instance_url in the next token responses (tamper test). */
  instanceUrl: string;
  /** Refresh tokens the provider has revoked (refresh → HubSpot BAD_REFRESH_TOKEN / SF invalid_grant). */
  revoked: Set<string>;
  /** Access tokens the API accepts (minted here or registered by a test). */
  validAccess: Set<string>;
  apiRequests: number;
  /** False: the API rejects every token as expired/invalid (a grant the provider will not honour). */
  acceptApi: boolean;
  /** Bodies received at /revoke (form-decoded). */
  revokeCalls: Array<Record<string, string>>;
  lastAuthorizeQuery?: URLSearchParams;
  close(): Promise<void>;
}

export async function startMiniAuthz(shape: 'hubspot' | 'salesforce', client: { id: string; secret: string }): Promise<MiniAuthz> {
  const codes = new Map<string, { redirect_uri: string; challenge?: string }>();
  let url = '';
  const state: MiniAuthz = { url: '', shape, tokenRequests: 0, instanceUrl: '', revoked: new Set(), validAccess: new Set(), apiRequests: 0, acceptApi: true, revokeCalls: [], close: async () => {} };
  const server: Server = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    if (req.method === 'GET' && u.pathname === '/authorize') {
      state.lastAuthorizeQuery = u.searchParams;
      const q = u.searchParams;
      if (q.get('client_id') !== client.id) return void res.writeHead(400).end('invalid client_id');
      const code = randomBytes(12).toString('hex');
      const challenge = q.get('code_challenge') ?? undefined;
      codes.set(code, { redirect_uri: q.get('redirect_uri')!, ...(challenge ? { challenge } : {}) });
      const back = new URL(q.get('redirect_uri')!);
      back.searchParams.set('code', code);
      back.searchParams.set('state', q.get('state') ?? '');
      return void res.writeHead(302, { location: back.toString() }).end();
    }
    if (req.method === 'POST' && u.pathname === '/token') {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        state.tokenRequests++;
        const f = new URLSearchParams(body);
        const send = (status: number, json: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json));
        if (f.get('client_id') !== client.id || f.get('client_secret') !== client.secret) return send(400, { error: 'invalid_client', error_description: 'invalid client credentials' });
        if (f.get('grant_type') === 'refresh_token') {
          const rt = f.get('refresh_token') ?? '';
          if (state.revoked.has(rt) || !rt) {
            return shape === 'hubspot'
              ? send(400, { error: 'invalid_grant', error_description: 'refresh token is invalid, expired or revoked', status: 'BAD_REFRESH_TOKEN', message: 'refresh token is invalid, expired or revoked' })
              : send(400, { error: 'invalid_grant', error_description: 'expired access/refresh token' });
          }
          const at = 'at-' + randomBytes(16).toString('hex');
          state.validAccess.add(at);
          return send(200, shape === 'hubspot' ? { token_type: 'bearer', access_token: at, refresh_token: rt, expires_in: 1800 } : { access_token: at, instance_url: state.instanceUrl, token_type: 'Bearer', issued_at: String(Date.now()) });
        }
        const code = codes.get(f.get('code') ?? '');
        if (!code || code.redirect_uri !== f.get('redirect_uri')) return send(400, { error: 'invalid_grant', error_description: 'authentication failure' });
        codes.delete(f.get('code')!);
        if (code.challenge) {
          const v = f.get('code_verifier');
          if (!v) return send(400, { error: 'invalid_grant', error_description: 'authentication failure' });
          if (createHash('sha256').update(v).digest('base64url') !== code.challenge) return send(400, { error: 'invalid_request', error_description: 'invalid code verifier' });
        }
        const at = 'at-' + randomBytes(16).toString('hex');
        const rt = 'rt-' + randomBytes(16).toString('hex');
        state.validAccess.add(at);
        if (shape === 'hubspot') return send(200, { token_type: 'bearer', access_token: at, refresh_token: rt, expires_in: 1800, token_use: 'access_token', hub_id: 42 });
        return send(200, { access_token: at, refresh_token: rt, instance_url: state.instanceUrl, id: `${url}/id/00D/005`, token_type: 'Bearer', issued_at: String(Date.now()), scope: 'api refresh_token' });
      });
      return;
    }
    if (req.method === 'POST' && u.pathname === '/revoke') {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const f = Object.fromEntries(new URLSearchParams(body));
        state.revokeCalls.push(f);
        if (!f.token) return void res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'unsupported_token_type' }));
        state.revoked.add(f.token);
        res.writeHead(200).end();
      });
      return;
    }
    if (req.method === 'GET' && u.pathname === '/api/contacts') {
      state.apiRequests++;
      const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
      if (!state.validAccess.has(token)) return void res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'error', category: 'EXPIRED_AUTHENTICATION' }));
      return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ results: [] }));
    }
    if (req.method === 'GET' && (u.pathname.startsWith('/crm/v3/objects/') || u.pathname.startsWith('/services/data/'))) {
      // Provider-shaped empty list pages for the engine's validation call.
      state.apiRequests++;
      const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
      const json = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (!state.acceptApi || !state.validAccess.has(token)) {
        return shape === 'hubspot'
          ? json(401, { status: 'error', message: 'The OAuth token used to make this call expired 1 minute(s) ago.', correlationId: 'c', category: 'EXPIRED_AUTHENTICATION' })
          : json(401, [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]);
      }
      return shape === 'hubspot' ? json(200, { results: [] }) : json(200, { totalSize: 0, done: true, records: [] });
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.url = url;
  state.instanceUrl = url;
  state.close = () => new Promise<void>((r) => server.close(() => r()));
  return state;
}
