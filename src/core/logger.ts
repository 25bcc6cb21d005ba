/**
 * Structured JSON-lines logger. Writes to an injected output (stderr by default, never stdout:
 * stdout belongs to the stdio MCP transport). Every record passes through `redact` first.
 * A child shares its parent's output (and its batch, src/core/log-lines.ts).
 */
import type { LogLevel, Logger } from './deps.js';
import { createLineWriter, type LineWriterOptions } from './log-lines.js';
import { redact, redactString } from './redact.js';

const order: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface LoggerOptions {
  level?: LogLevel;
  /** Each line as it is logged, synchronously (tests, in-memory capture). */
  sink?: (line: string) => void;
  /**
   * Where lines go when no `sink` is given: text of whole lines (default stderr). Debug and info
   * lines are batched per event-loop turn; a warning or an error writes the batch with it at once.
   * Pending lines are written by `flush()` and at process exit.
   */
  write?: (text: string) => void;
  batch?: LineWriterOptions;
  now?: () => number;
  base?: Record<string, unknown>;
}

export interface FlushableLogger extends Logger {
  /** Writes the lines still batched (a no-op with a `sink`). */
  flush(): void;
}

export function createLogger(opts: LoggerOptions = {}): FlushableLogger {
  let out: { line: (l: string) => void; flush: () => void };
  if (opts.sink) {
    const sink = opts.sink;
    out = { line: sink, flush: () => {} };
  } else {
    out = createLineWriter(opts.write ?? ((text: string) => process.stderr.write(text)), opts.batch);
  }
  return make(order[opts.level ?? 'info'], out, opts.now ?? Date.now, opts.base ?? {});
}

function make(min: number, out: { line: (l: string) => void; flush: () => void }, now: () => number, base: Record<string, unknown>): FlushableLogger {
  // Redacted once: the base fields are the same on every line.
  const safeBase = redact(base);
  const emit = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => {
    if (order[level] < min) return;
    const record = { time: new Date(now()).toISOString(), level, msg: redactString(msg), ...safeBase, ...(fields ? redact(fields) : undefined) };
    out.line(JSON.stringify(record));
    // Warnings and errors are rare and wanted at once: written now, with what was batched before them.
    if (order[level] >= order.warn) out.flush();
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (fields) => make(min, out, now, { ...base, ...fields }),
    flush: out.flush,
  };
}
