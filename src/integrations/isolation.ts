/**
 * Evaluation isolated from the server: a small pool of worker threads, each under V8
 * `resourceLimits`, each running one evaluation at a time (so a worker that dies is charged to
 * exactly one evaluation). Override expressions — written by operators and carried in imports,
 * reading data anyone who can edit a CRM record controls — run here: whatever one does (exhaust
 * memory, hit an engine limit), that evaluation fails with a bound error and the worker is
 * replaced; other evaluations and the server's event loop are untouched.
 *
 * The bounds that decide are the step, depth and size bounds of bounds.ts, which count work.
 * `killAfterMs` is only a last resort for work they cannot see (a native call that never
 * returns); it is measured from when the worker starts the evaluation, never from when it was
 * queued, and it is far above what the step budget allows.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { EvalLimits, FailureKind } from './bounds.js';
import type { IsolationReply, IsolationRequest } from './isolation-worker.js';

export interface IsolationOptions {
  limits: EvalLimits;
  /**
   * Worker threads (default: one fewer than the cores, at least 1, at most 2 — so a flood of
   * hostile evaluations never takes every core from the server's event loop).
   */
  workers?: number;
  /** V8 heap bound per worker (default 256 MB old generation). */
  maxOldGenerationSizeMb?: number;
  /** Last-resort kill switch per evaluation (default 10 s). */
  killAfterMs?: number;
}

export class IsolationFailure extends Error {
  constructor(
    readonly kind: FailureKind,
    message: string,
    /** Where in the program jsonata failed, when it says. */
    readonly position?: number,
  ) {
    super(message);
  }
}

export interface Isolation {
  evaluate(program: string, input: unknown, bindings: Record<string, unknown>): Promise<unknown>;
  /** Terminates the workers (idle workers never keep the process alive, so this is optional). */
  close(): Promise<void>;
}

interface Job {
  req: Omit<IsolationRequest, 'id'>;
  resolve(v: unknown): void;
  reject(e: IsolationFailure): void;
}

interface Slot {
  worker: Worker;
  job?: { id: number; job: Job; timer: NodeJS.Timeout };
}

/**
 * The worker script: the compiled JavaScript next to this file; or, when this module runs as
 * TypeScript source (tests, `npm run bench`), a bootstrap that registers tsx in the worker and
 * imports the source (`--import tsx` in a worker's execArgv does not take on Node 20).
 */
function workerScript(): { script: URL | string; eval: boolean } {
  if (!import.meta.url.endsWith('.ts')) return { script: new URL('./isolation-worker.js', import.meta.url), eval: false };
  const require = createRequire(import.meta.url);
  const pkgFile = require.resolve('tsx/package.json');
  const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as { exports: Record<string, { import: { default: string } }> };
  const api = pathToFileURL(join(dirname(pkgFile), pkg.exports['./esm/api']!.import.default)).href;
  const source = new URL('./isolation-worker.ts', import.meta.url).href;
  return { script: `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(source)}); });`, eval: true };
}

export function createIsolation(opts: IsolationOptions): Isolation {
  const size = Math.max(1, opts.workers ?? Math.min(2, availableParallelism() - 1));
  const killAfterMs = opts.killAfterMs ?? 10_000;
  const slots: Slot[] = [];
  const queue: Job[] = [];
  let nextId = 1;
  let closed = false;

  const finish = (slot: Slot, outcome: { value: unknown } | { error: IsolationFailure }) => {
    const cur = slot.job;
    if (!cur) return;
    clearTimeout(cur.timer);
    slot.job = undefined;
    slot.worker.unref();
    if ('error' in outcome) cur.job.reject(outcome.error);
    else cur.job.resolve(outcome.value);
  };

  const retire = (slot: Slot, why: string) => {
    const i = slots.indexOf(slot);
    if (i < 0) return;
    slots.splice(i, 1);
    finish(slot, { error: new IsolationFailure('bound', why) });
    void slot.worker.terminate();
    pump();
  };

  const spawn = (): Slot => {
    const { script, eval: isEval } = workerScript();
    const worker = new Worker(script, {
      eval: isEval,
      workerData: { limits: opts.limits },
      resourceLimits: { maxOldGenerationSizeMb: opts.maxOldGenerationSizeMb ?? 256, maxYoungGenerationSizeMb: 32, stackSizeMb: 4 },
    });
    const slot: Slot = { worker };
    worker.unref();
    worker.on('message', (r: IsolationReply) => {
      if (slot.job?.id !== r.id) return;
      finish(slot, r.ok ? { value: r.value } : { error: new IsolationFailure(r.kind, r.message, r.position) });
      pump();
    });
    worker.on('error', (e: Error & { code?: string }) =>
      retire(slot, e.code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'the evaluation exhausted its memory bound and was stopped' : `the evaluation was stopped (${e.message})`),
    );
    worker.on('exit', () => retire(slot, 'the evaluation was stopped'));
    slots.push(slot);
    return slot;
  };

  function pump(): void {
    while (!closed && queue.length > 0) {
      const slot = slots.find((s) => !s.job) ?? (slots.length < size ? spawn() : undefined);
      if (!slot) return;
      const job = queue.shift()!;
      const id = nextId++;
      const timer = setTimeout(() => retire(slot, `the evaluation did not finish within ${killAfterMs} ms and was stopped`), killAfterMs);
      timer.unref();
      slot.job = { id, job, timer };
      slot.worker.ref();
      try {
        slot.worker.postMessage({ id, ...job.req } satisfies IsolationRequest);
      } catch (e) {
        finish(slot, { error: new IsolationFailure('failed', `the evaluation input cannot be sent to the isolation worker (${(e as Error).message})`) });
      }
    }
  }

  return {
    evaluate(program, input, bindings) {
      if (closed) return Promise.reject(new IsolationFailure('failed', 'the isolation pool is closed'));
      return new Promise((resolve, reject) => {
        queue.push({ req: { program, input, bindings }, resolve, reject });
        pump();
      });
    },
    async close() {
      closed = true;
      for (const j of queue.splice(0)) j.reject(new IsolationFailure('failed', 'the isolation pool is closed'));
      await Promise.all(slots.splice(0).map((s) => s.worker.terminate()));
    },
  };
}
