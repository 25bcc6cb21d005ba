/**
 * One provider request and its whole response body, through the injected dispatcher's
 * `dispatch` and a handler of our own: the body's chunks are collected as they arrive, without the response stream and async
 * iteration undici's `request()` puts around them. It answers as `request()` does: the same
 * dispatcher and options, the same parsed headers (undici's own parser gives both), an error
 * before the response headers as `provider_unavailable` ("could not reach …"), an error after them
 * (a body timeout, a reset connection, the caller's abort) as it came, and a body over
 * `maxBytes` as `provider_error` with the connection aborted.
 */
import type { Dispatcher } from 'undici';
import { CrmMcpError } from '../core/errors.js';
import type { BuiltRequest } from './request.js';

export interface Exchanged {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The body as UTF-8 text. */
  text: string;
}

export interface ExchangeOptions {
  dispatcher: Dispatcher;
  timeoutMs: number;
  maxBytes: number;
  signal?: AbortSignal | undefined;
  /** Builds the error a signal aborted without a reason carries (undici's RequestAbortedError). */
  aborted: () => Error;
  /** undici's own header parser (`util.parseHeaders`), which gives `request()` its headers. */
  parseHeaders: (raw: Buffer[]) => Record<string, string | string[]>;
}

export function exchange(req: BuiltRequest, o: ExchangeOptions): Promise<Exchanged> {
  return new Promise<Exchanged>((resolve, reject) => {
    const { url } = req;
    const { signal } = o;
    let abortRequest: ((err: Error) => void) | undefined;
    let abortReason: Error | undefined;
    let status = 0;
    let headers: Exchanged['headers'] | undefined;
    let chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const onAbort = (): void => {
      abortReason = (signal?.reason as Error | undefined) ?? o.aborted();
      abortRequest?.(abortReason);
    };
    const settle = (err: Error | undefined, value?: Exchanged): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else resolve(value!);
    };
    const unreachable = (e: Error) => new CrmMcpError('provider_unavailable', `could not reach ${req.url.host}: ${e.message}`, { cause: e });
    if (signal?.aborted) abortReason = (signal.reason as Error | undefined) ?? o.aborted();
    else signal?.addEventListener('abort', onAbort, { once: true });
    // The handler methods `request()` itself uses: every undici dispatcher takes them, also an older
    // one set as the global dispatcher (Node's own fetch installs its bundled undici there).
    const handler: Dispatcher.DispatchHandler = {
      onConnect(abort) {
        abortRequest = abort;
        if (abortReason) abort(abortReason);
      },
      onHeaders(statusCode, rawHeaders) {
        // Informational answers (1xx) are not the response.
        if (statusCode < 200) return true;
        status = statusCode;
        headers = o.parseHeaders(rawHeaders as Buffer[]) as Exchanged['headers'];
        return true;
      },
      onData(chunk) {
        if (settled) return true;
        size += chunk.length;
        if (size > o.maxBytes) {
          chunks = [];
          settle(new CrmMcpError('provider_error', `${req.url.host} returned a response larger than ${o.maxBytes} bytes`));
          abortRequest?.(new CrmMcpError('provider_error', 'response body over the size limit'));
          return true;
        }
        chunks.push(chunk);
        return true;
      },
      onComplete() {
        if (!headers) return settle(unreachable(new Error('the response ended before its headers')));
        const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
        chunks = [];
        settle(undefined, { status, headers, text: body.toString('utf8') });
      },
      onError(err) {
        settle(headers ? err : unreachable(err));
      },
    };
    try {
      o.dispatcher.dispatch(
        {
          origin: url.origin,
          path: url.search ? `${url.pathname}${url.search}` : url.pathname,
          method: req.method,
          headers: req.headers,
          ...(req.body !== undefined ? { body: req.body } : {}),
          headersTimeout: o.timeoutMs,
          bodyTimeout: o.timeoutMs,
        },
        handler,
      );
    } catch (e) {
      settle(unreachable(e as Error));
    }
  });
}
