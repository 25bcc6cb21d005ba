/**
 * The stdio answer when the server cannot start (unknown account, no key, unreachable store):
 * the client's first request — `initialize` (2025 era), `server/discover` (2026-07-28) or any
 * other — gets a JSON-RPC error carrying the reason, so the client shows why instead of
 * "connection closed". Written by hand because no SDK server exists at that point. Node
 * builtins only. The caller exits non-zero afterwards.
 */
import type { Readable, Writable } from 'node:stream';

/** JSON-RPC "server error" range (-32000..-32099): the server could not start for this client. */
export const STARTUP_FAILED = -32000;

export interface StartupError {
  /** Safe to show: the caller guarantees it carries no secret. */
  message: string;
  /** The local error code (`not_found`, `store_unavailable`, …) for programs. */
  reason: string;
}

type RequestId = string | number | null;

/**
 * The id to answer, when `line` is a request: a number or string id. A line that is not JSON
 * is answered with id null (a parse error has no id); a notification or a response is not.
 */
function requestIdOf(line: string): { id: RequestId } | undefined {
  let msg: unknown;
  try {
    msg = JSON.parse(line);
  } catch {
    return { id: null };
  }
  if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) return { id: null };
  const m = msg as { id?: unknown; method?: unknown };
  if (typeof m.method !== 'string') return undefined;
  if (typeof m.id === 'string' || typeof m.id === 'number') return { id: m.id };
  return undefined;
}

/**
 * Answers every request read from `input` with `error`, until `input` ends, no request came
 * within `firstWaitMs`, or `lingerMs` passed after the last answer. Answering more than the
 * first serves clients that probe: a client whose `server/discover` failed may retry with
 * `initialize` on the same pipe, and should get the reason again rather than a closed pipe.
 * Resolves to the number of requests answered.
 */
export function answerRequests(input: Readable, output: Writable, error: StartupError, o: { firstWaitMs: number; lingerMs: number }): Promise<number> {
  return new Promise((resolve) => {
    let pending = '';
    let answered = 0;
    let done = false;
    let timer = setTimeout(() => finish(), o.firstWaitMs);
    function finish() {
      if (done) return;
      done = true;
      clearTimeout(timer);
      input.off('data', onData);
      input.off('end', onEnd);
      input.off('error', onEnd);
      resolve(answered);
    }
    const onLine = (line: string) => {
      if (done || !line.trim()) return;
      const req = requestIdOf(line);
      if (!req) return;
      answered += 1;
      clearTimeout(timer);
      timer = setTimeout(() => finish(), o.lingerMs);
      output.write(JSON.stringify({ jsonrpc: '2.0', id: req.id, error: { code: STARTUP_FAILED, message: error.message, data: { reason: error.reason } } }) + '\n');
    };
    function onData(chunk: Buffer | string) {
      pending += chunk.toString();
      let nl: number;
      while ((nl = pending.indexOf('\n')) !== -1) {
        const line = pending.slice(0, nl).replace(/\r$/, '');
        pending = pending.slice(nl + 1);
        onLine(line);
      }
    }
    function onEnd() {
      if (pending) onLine(pending);
      pending = '';
      finish();
    }
    input.on('data', onData);
    input.once('end', onEnd);
    input.once('error', onEnd);
  });
}
