/**
 * HTTP face of the connect flow, mountable in any node:http server:
 *   GET  /connect/start?link=<token>  → a small page naming the CRM, with a button (link kept)
 *   HEAD /connect/start?link=<token>  → the same status, no body (link kept)
 *   POST /connect/start?link=<token>  → 303 to the provider's consent screen (link consumed)
 *   GET  /connect/callback?code&state → finishes the connection, answers a small page
 * A link survives previews: mail scanners and chat unfurls GET (or HEAD) the URL they see, and
 * only the customer's click on the button (a POST) uses it up.
 * Returns false for paths it does not own. Pages never echo a token, code or tenant id;
 * `no-store` and `no-referrer` keep the link token and code out of caches and Referer headers,
 * and pages may not be framed (the button must not be clickjacked).
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

const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
  'x-robots-tag': 'noindex',
};

function page(res: ServerResponse, status: number, title: string, text: string, extra = '', head = false): void {
  const body = `<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escapeHtml(title)}</title></head><body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p>${extra}</body></html>`;
  res.writeHead(status, { ...PAGE_HEADERS, 'content-length': Buffer.byteLength(body) });
  res.end(head ? undefined : body);
}

/** Reads and drops a small request body (the button's form post carries nothing we need). */
async function drain(req: IncomingMessage, max = 4096): Promise<boolean> {
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > max) return false;
  }
  return true;
}

export function createConnectHandler(opts: ConnectHandlerOptions): ConnectHandler {
  const log = opts.logger.child({ component: 'connect-http' });
  const redirectUri = callbackUrl(opts.publicBaseUrl);

  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://local');
    if (!url.pathname.startsWith('/connect/')) return false;
    const start = url.pathname === '/connect/start';
    const allowed = start ? ['GET', 'HEAD', 'POST'] : ['GET'];
    if (!allowed.includes(req.method ?? '')) {
      res.writeHead(405, { allow: allowed.join(', ') }).end();
      return true;
    }
    const head = req.method === 'HEAD';
    try {
      if (start && req.method === 'POST') {
        if (!(await drain(req))) {
          page(res, 413, 'Request too large', 'Open the link again and use its button.');
          return true;
        }
        const location = await opts.flow.beginFromLink(url.searchParams.get('link') ?? '', redirectUri);
        res.writeHead(303, { location, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' }).end();
        return true;
      }
      if (start) {
        const link = await opts.flow.previewLink(url.searchParams.get('link') ?? '');
        const name = escapeHtml(link.displayName);
        // The form posts to this very URL, so the page itself never holds the link token.
        const button = `<form method="post"><button type="submit">Continue to ${name}</button></form>`;
        page(res, 200, `Connect your ${link.displayName} account`, `You will be sent to ${link.displayName} to grant access. This link works once.`, button, head);
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
        page(res, http, 'Link not usable', err.message, '', head);
        return true;
      }
      log.error('connect request failed', { path: url.pathname, error: err });
      // A fault of this server (store, keys, a bug) is not the visitor's to read about.
      page(res, http, 'Connection failed', isCrmMcpError(err) && tool !== 'internal' ? err.message : 'internal error', '', head);
      return true;
    }
  };
}

/** The endpoints on an operator runtime, as `serve` mounts them under /connect/. */
export function connectHandlerFor(rt: OperatorRuntime, publicBaseUrl: string): ConnectHandler {
  const flow = createConnectFlow({ ...rt, ...rt.deps, validator: rt.connectValidator, connectSpec: rt.connectSpec, actor: 'connect-link' });
  return createConnectHandler({ flow, publicBaseUrl, logger: rt.deps.logger });
}
