/**
 * Answers the stdio `initialize` request before the SDK has finished loading (~200 ms of module
 * evaluation on Node 20), so a client's spawn → initialize wait is node startup plus this file.
 * Every line read is also forwarded, in order, to the real SDK transport once it is connected:
 * the SDK sees the same `initialize` (and learns the client's capabilities), and its own reply to
 * that request id is dropped from stdout so the client gets exactly one answer. Node builtins only.
 */
import { PassThrough, Writable } from 'node:stream';
import { negotiateProtocolVersion, SERVER_CAPABILITIES, SERVER_INFO, SERVER_INSTRUCTIONS } from './server-info.js';

export interface FastInit {
  /** Give these to StdioServerTransport. */
  input: PassThrough;
  output: Writable;
  /** Call once the SDK server is connected; after this no early answers are sent. */
  ready(): void;
  /**
   * Resolves once the first message was handled (answered when it is `initialize`), stdin
   * ended, or `maxWaitMs` passed. Await it before heavy imports: Node 22 evaluates an imported
   * module graph without yielding to I/O, so a pending `initialize` would wait for all of it.
   */
  firstLine(maxWaitMs: number): Promise<void>;
}

export function startFastInit(stdin: NodeJS.ReadableStream, stdout: NodeJS.WritableStream): FastInit {
  const input = new PassThrough();
  let sdkReady = false;
  let first = true;
  let answeredId: string | number | undefined;
  let pending = '';
  let seenFirst!: () => void;
  const first$ = new Promise<void>((resolve) => (seenFirst = resolve));

  const onLine = (line: string) => {
    if (first && line.trim()) {
      first = false;
      if (!sdkReady) {
        try {
          const msg = JSON.parse(line) as { jsonrpc?: string; id?: string | number; method?: string; params?: { protocolVersion?: unknown } };
          if (msg.jsonrpc === '2.0' && msg.method === 'initialize' && (typeof msg.id === 'string' || typeof msg.id === 'number')) {
            answeredId = msg.id;
            const result = {
              protocolVersion: negotiateProtocolVersion(msg.params?.protocolVersion),
              capabilities: SERVER_CAPABILITIES,
              serverInfo: SERVER_INFO,
              instructions: SERVER_INSTRUCTIONS,
            };
            stdout.write(JSON.stringify({ result, jsonrpc: '2.0', id: msg.id }) + '\n');
          }
        } catch {
          // Not JSON: the SDK transport reports it.
        }
      }
      seenFirst();
    }
    input.write(line + '\n');
  };

  stdin.on('data', (chunk: Buffer | string) => {
    pending += chunk.toString();
    let nl: number;
    while ((nl = pending.indexOf('\n')) !== -1) {
      const line = pending.slice(0, nl).replace(/\r$/, '');
      pending = pending.slice(nl + 1);
      onLine(line);
    }
  });
  stdin.on('end', () => {
    if (pending) onLine(pending);
    seenFirst();
    input.end();
  });

  const output = new Writable({
    write(chunk: Buffer | string, _enc, cb) {
      const text = chunk.toString();
      if (answeredId !== undefined) {
        try {
          const msg = JSON.parse(text) as { id?: unknown; result?: unknown; error?: unknown };
          if (msg.id === answeredId && ('result' in msg || 'error' in msg)) {
            answeredId = undefined;
            cb();
            return;
          }
        } catch {
          // Not a single message: pass through.
        }
      }
      if (stdout.write(chunk)) cb();
      else stdout.once('drain', () => cb());
    },
  });

  return {
    input,
    output,
    ready() {
      sdkReady = true;
    },
    async firstLine(maxWaitMs) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([first$, new Promise<void>((resolve) => (timer = setTimeout(resolve, maxWaitMs)))]);
      clearTimeout(timer);
    },
  };
}
