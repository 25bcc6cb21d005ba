/**
 * The isolation worker (isolation.ts): evaluates one program at a time with the bounded
 * interpreter and answers `{id, ok, value}` or `{id, ok: false, kind, message}`. It runs under
 * `resourceLimits`, so an evaluation that exhausts memory ends this thread, never the server.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type jsonata from 'jsonata';
import { classifyFailure, compileBounded, evaluateBounded, type EvalLimits } from './bounds.js';

export interface IsolationRequest {
  id: number;
  program: string;
  input: unknown;
  bindings: Record<string, unknown>;
}

export type IsolationReply = { id: number; ok: true; value: unknown } | { id: number; ok: false; kind: 'bound' | 'input' | 'failed'; message: string; position?: number };

const limits = (workerData as { limits: EvalLimits }).limits;
const compiled = new Map<string, jsonata.Expression>();

/** Plain data for the trip back (sequence flags dropped); a function result is a mapping failure. */
function plain(v: unknown): unknown {
  if (typeof v === 'function' || (v && typeof v === 'object' && '_jsonata_lambda' in v)) throw new Error('the expression evaluated to a function');
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

parentPort?.on('message', (req: IsolationRequest) => {
  void (async (): Promise<IsolationReply> => {
    try {
      let c = compiled.get(req.program);
      if (!c) {
        c = compileBounded(req.program, limits);
        if (compiled.size > 2000) compiled.clear();
        compiled.set(req.program, c);
      }
      return { id: req.id, ok: true, value: plain(await evaluateBounded(c, req.input, req.bindings, limits)) };
    } catch (e) {
      return { id: req.id, ok: false, ...classifyFailure(e) };
    }
  })().then((reply) => parentPort?.postMessage(reply));
});
