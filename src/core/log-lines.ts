/**
 * Log lines batched per event-loop turn: the lines a turn produces are written together, once,
 * after the turn's work — a tool call's access-log line costs no write of its own, and the
 * response it belongs to is not held back by it. Nothing is lost at exit: pending lines are
 * written when the turn ends, when `flush()` is called (the app's close), or — when the process
 * exits before that (process.exit, an uncaught error) — from the process's `exit` event, while
 * lines are pending only (no listener stays behind).
 */

export interface LineWriter {
  /** Queues one line (without its newline). */
  line(text: string): void;
  /** Writes what is queued now. */
  flush(): void;
}

export interface LineWriterOptions {
  /** Runs `fn` once the current turn's work is done (default setImmediate). */
  schedule?: (fn: () => void) => void;
  /** Registers/unregisters `fn` to run when the process exits (default the process's `exit` event). */
  onExit?: { add(fn: () => void): void; remove(fn: () => void): void };
}

const processExit = {
  add: (fn: () => void) => void process.once('exit', fn),
  remove: (fn: () => void) => void process.off('exit', fn),
};

/** `write` gets whole lines, each ending with a newline. */
export function createLineWriter(write: (text: string) => void, o: LineWriterOptions = {}): LineWriter {
  const schedule = o.schedule ?? ((fn: () => void) => void setImmediate(fn));
  const onExit = o.onExit ?? processExit;
  let pending = '';
  let scheduled = false;
  const flush = (): void => {
    if (scheduled) {
      scheduled = false;
      onExit.remove(flush);
    }
    if (pending === '') return;
    const text = pending;
    pending = '';
    write(text);
  };
  return {
    line(text) {
      pending += text + '\n';
      if (scheduled) return;
      scheduled = true;
      onExit.add(flush);
      schedule(flush);
    },
    flush,
  };
}
