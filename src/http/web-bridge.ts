/**
 * Node `http` ↔ web-standard Request/Response, for the SDK's v2 serving entries (which speak
 * `fetch` shapes). The request body is read here under the body limit; the response is streamed
 * back (SSE included) and abandoned when the client goes away.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export const MAX_BODY_BYTES = 4 * 1024 * 1024;

/**
 * The request body as read under the limit: `text` when there is one, and `body`, its parsed JSON,
 * when it parses. A body that does not parse has no `body`; the SDK answers it (-32700).
 */
export type BodyRead = { ok: true; text?: string; body?: unknown } | { ok: false; status: 413 };

export async function readBody(req: IncomingMessage, maxBytes = MAX_BODY_BYTES): Promise<BodyRead> {
  const method = (req.method ?? 'GET').toUpperCase();
  if (method === 'GET' || method === 'HEAD') return { ok: true };
  if (Number(req.headers['content-length']) > maxBytes) return { ok: false, status: 413 };
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.byteLength;
    if (size > maxBytes) return { ok: false, status: 413 };
    chunks.push(chunk);
  }
  if (size === 0) return { ok: true };
  const text = (chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)).toString('utf8');
  try {
    return { ok: true, text, body: JSON.parse(text) as unknown };
  } catch {
    return { ok: true, text };
  }
}

/** A signal that aborts when the client goes away before `res` finished. */
export function abortOnClose(res: ServerResponse): AbortSignal {
  const abort = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) abort.abort();
  });
  return abort.signal;
}

/**
 * The Node request, with the body `read` took from it, as a web Request whose signal aborts when
 * the client disconnects. A parsed body is not copied into the Request: the SDK takes it as
 * `parsedBody` and never reads the request's stream; a body that did not parse stays in it.
 */
export function toWebRequest(req: IncomingMessage, res: ServerResponse, read: { text?: string; body?: unknown }): Request {
  const method = (req.method ?? 'GET').toUpperCase();
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || name.startsWith(':')) continue;
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else headers.set(name, value);
  }
  const url = `http://${req.headers.host ?? 'localhost'}${req.url ?? '/'}`;
  const signal = abortOnClose(res);
  if (read.text === undefined || read.body !== undefined) return new Request(url, { method, headers, signal });
  return new Request(url, { method, headers, signal, body: read.text });
}

/** Writes `response` to `res`, adding `extraHeaders` (ignored once a streamed response began). */
export async function writeWebResponse(res: ServerResponse, response: Response, extraHeaders: Record<string, string> = {}): Promise<void> {
  const headers: Record<string, string> = {};
  response.headers.forEach((v, k) => (headers[k] = v));
  res.writeHead(response.status, { ...headers, ...extraHeaders });
  if (!response.body) {
    res.end();
    return;
  }
  const reader = response.body.getReader();
  res.on('close', () => void reader.cancel().catch(() => {}));
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!res.write(value)) await new Promise<void>((resolve) => res.once('drain', resolve).once('close', resolve));
      if (res.destroyed) break;
    }
  } catch {
    // The client went away or the stream was cancelled: nothing left to answer.
  } finally {
    res.end();
  }
}
