/**
 * Node `http` ↔ web-standard Request/Response, for the SDK's v2 serving entries (which speak
 * `fetch` shapes). The request body is read here under the body limit; the response is streamed
 * back (SSE included) and abandoned when the client goes away.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export const MAX_BODY_BYTES = 4 * 1024 * 1024;

/**
 * `body` is the parsed JSON body when there is one that parses: the SDK takes it as `parsedBody`
 * so the era check and the transport do not read and parse the body again (the `request` then has
 * no body). A body that does not parse stays in `request` for the SDK to answer (-32700).
 */
export type WebRequestResult = { ok: true; request: Request; body?: unknown } | { ok: false; status: 413 };

/** The Node request as a web Request whose signal aborts when the client disconnects. */
export async function readWebRequest(req: IncomingMessage, res: ServerResponse, maxBytes = MAX_BODY_BYTES): Promise<WebRequestResult> {
  const abort = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) abort.abort();
  });
  const method = (req.method ?? 'GET').toUpperCase();
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || name.startsWith(':')) continue;
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else headers.set(name, value);
  }
  let text: string | undefined;
  if (method !== 'GET' && method !== 'HEAD') {
    if (Number(req.headers['content-length']) > maxBytes) return { ok: false, status: 413 };
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.byteLength;
      if (size > maxBytes) return { ok: false, status: 413 };
      chunks.push(chunk);
    }
    if (size > 0) text = Buffer.concat(chunks).toString('utf8');
  }
  const url = `http://${req.headers.host ?? 'localhost'}${req.url ?? '/'}`;
  if (text === undefined) return { ok: true, request: new Request(url, { method, headers, signal: abort.signal }) };
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { ok: true, request: new Request(url, { method, headers, signal: abort.signal, body: text }) };
  }
  // The SDK reads `parsedBody` and never the request's stream, so a parsed body is not copied into one.
  return { ok: true, request: new Request(url, { method, headers, signal: abort.signal }), body };
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
