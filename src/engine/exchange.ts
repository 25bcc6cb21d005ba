/**
 * One provider request and its whole response body, through the injected dispatcher's handler
 * API: the body's chunks are collected as they arrive, without the response stream and async
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
}

export function exchange(req: BuiltRequest, o: ExchangeOptions): Promise<Exchanged> {
  return new Promise<Exchanged>((resolve, reject) => {
    const { url } = req;
    const { signal } = o;
    let controller: Dispatcher.DispatchController | undefined;
    let abortReason: Error | undefined;
    let status = 0;
    let headers: Exchanged['headers'] | undefined;
    let chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const onAbort = (): void => {
      abortReason = (signal?.reason as Error | undefined) ?? o.aborted();
      controller?.abort(abortReason);
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
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(c) {
        controller = c;
        if (abortReason) c.abort(abortReason);
      },
      onResponseStart(_c, statusCode, h) {
        // Informational answers (1xx) are not the response.
        if (statusCode < 200) return;
        status = statusCode;
        headers = h as Exchanged['headers'];
      },
      onResponseData(c, chunk) {
        if (settled) return;
        size += chunk.length;
        if (size > o.maxBytes) {
          chunks = [];
          settle(new CrmMcpError('provider_error', `${req.url.host} returned a response larger than ${o.maxBytes} bytes`));
          c.abort(new CrmMcpError('provider_error', 'response body over the size limit'));
          return;
        }
        chunks.push(chunk);
      },
      onResponseEnd() {
        if (!headers) return settle(unreachable(new Error('the response ended before its headers')));
        const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
        chunks = [];
        settle(undefined, { status, headers, text: body.toString('utf8') });
      },
      onResponseError(_c, err) {
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
