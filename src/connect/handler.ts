/**
 * HTTP face of the connect flow, mountable in any node:http server:
 *   GET /connect/start?link=<token>   → 302 to the provider's consent screen (link consumed)
 *   GET /connect/callback?code&state  → finishes the connection, answers a small page
 * Returns false for paths it does not own. Pages never echo a token, code or tenant id;
 * `no-store` and `no-referrer` keep the link token and code out of caches and Referer headers.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../core/deps.js';
import { errorOutcome } from '../core/error-table.js';
import { isCrmMcpError } from '../core/errors.js';
import type { ConnectOutcome } from './complete.js';
import { createConnectFlow, type ConnectFlow } from './flow.js';
import type { OperatorRuntime } from './runtime.js';

export interface ConnectHandlerOptions {
  flow: ConnectFlow;
  /** Public base URL of this server (the provider redirects to `<base>/connect/callback`). */
  publicBaseUrl: string;
  logger: Logger;
  /** Called after every finished callback (the loopback CLI waits on it). */
  onComplete?: (outcome: ConnectOutcome) => void;
}

export type ConnectHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

export function callbackUrl(publicBaseUrl: string): string {
  return new URL('connect/callback', publicBaseUrl.endsWith('/') ? publicBaseUrl : publicBaseUrl + '/').toString();
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(res: ServerResponse, status: number, title: string, text: string): void {
  const body = `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p></body></html>`;
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'referrer-policy': 'no-referrer', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

export function createConnectHandler(opts: ConnectHandlerOptions): ConnectHandler {
  const log = opts.logger.child({ component: 'connect-http' });
  const redirectUri = callbackUrl(opts.publicBaseUrl);

  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://local');
    if (!url.pathname.startsWith('/connect/')) return false;
    if (req.method !== 'GET') {
      res.writeHead(405, { allow: 'GET' }).end();
      return true;
    }
    try {
      if (url.pathname === '/connect/start') {
        const location = await opts.flow.beginFromLink(url.searchParams.get('link') ?? '', redirectUri);
        res.writeHead(302, { location, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' }).end();
        return true;
      }
      if (url.pathname === '/connect/callback') {
        const q = url.searchParams;
        const outcome = await opts.flow.complete({ code: q.get('code'), state: q.get('state'), error: q.get('error'), error_description: q.get('error_description') });
        opts.onComplete?.(outcome);
        if (outcome.ok) page(res, 200, 'Connected', `Your ${outcome.account.integration} account is connected. You can close this window.`);
        else page(res, ['invalid_state', 'missing_code', 'consent_denied'].includes(outcome.code) ? 400 : 502, 'Connection failed', outcome.reason);
        return true;
      }
      page(res, 404, 'Not found', 'Unknown connect path.');
      return true;
    } catch (err) {
      const { http, tool } = errorOutcome(err);
      if (isCrmMcpError(err, 'unauthorized')) {
        page(res, http, 'Link not usable', err.message);
        return true;
      }
      log.error('connect request failed', { path: url.pathname, error: err });
      // A fault of this server (store, keys, a bug) is not the visitor's to read about.
      page(res, http, 'Connection failed', isCrmMcpError(err) && tool !== 'internal' ? err.message : 'internal error');
      return true;
    }
  };
}

/** The endpoints on an operator runtime, as `serve` mounts them under /connect/. */
export function connectHandlerFor(rt: OperatorRuntime, publicBaseUrl: string): ConnectHandler {
  const flow = createConnectFlow({ ...rt, ...rt.deps, validator: rt.connectValidator, connectSpec: rt.connectSpec, actor: 'connect-link' });
  return createConnectHandler({ flow, publicBaseUrl, logger: rt.deps.logger });
}
