/**
 * Small statistics and the report table. Every figure a bench produces becomes rows of
 * `{ figure, value, goal, status }` (✓ met, ✗ missed); a goal is only ever reported here, never asserted.
 */

export type Status = '✓' | '✗' | 'info' | 'n/a';

export interface Row {
  figure: string;
  value: string;
  goal: string;
  status: Status;
}

export interface Summary {
  n: number;
  mean: number;
  p50: number;
  p99: number;
  min: number;
  max: number;
}

/** Nearest-rank percentile of an unsorted sample (`q` in [0, 1]). */
export function percentile(sample: readonly number[], q: number): number {
  if (sample.length === 0) return NaN;
  const sorted = [...sample].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}

export const median = (sample: readonly number[]): number => percentile(sample, 0.5);

export function mean(sample: readonly number[]): number {
  return sample.length === 0 ? NaN : sample.reduce((s, x) => s + x, 0) / sample.length;
}

export function summarize(sample: readonly number[]): Summary {
  return {
    n: sample.length,
    mean: round(mean(sample)),
    p50: round(percentile(sample, 0.5)),
    p99: round(percentile(sample, 0.99)),
    min: round(Math.min(...sample)),
    max: round(Math.max(...sample)),
  };
}

/** Rounds to 3 decimals (JSON stays readable; sub-microsecond noise is not a figure). */
export function round(x: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Milliseconds since `t0` (a `performance.now()` reading). */
export const since = (t0: number): number => performance.now() - t0;

/**
 * Runs `fn` `n` times one after another; returns each run's milliseconds. With `budgetMs`, stops
 * early once that much time passed (and at least `minRuns` ran) — a loaded machine still finishes.
 */
export async function timeEach(n: number, fn: () => Promise<unknown> | unknown, budget?: { budgetMs: number; minRuns: number }): Promise<number[]> {
  const out: number[] = [];
  const end = budget ? performance.now() + budget.budgetMs : Infinity;
  for (let i = 0; i < n && (i < (budget?.minRuns ?? n) || performance.now() < end); i++) {
    const t0 = performance.now();
    await fn();
    out.push(since(t0));
  }
  return out;
}

/** Failed calls counted by a short code: a tool error's `Error (code)`, else the message's start. */
export type Failures = Record<string, number>;

export function countFailure(failures: Failures, e: unknown): void {
  const msg = e instanceof Error ? e.message : String(e);
  const code = /Error \(([a-z_]+)\)/.exec(msg)?.[1] ?? msg.slice(0, 80);
  failures[code] = (failures[code] ?? 0) + 1;
}

export function goalStatus(met: boolean | undefined): Status {
  return met === undefined ? 'n/a' : met ? '✓' : '✗';
}

export const ms = (x: number | null | undefined): string => (x === null || x === undefined || Number.isNaN(x) ? '—' : `${x < 10 ? x.toFixed(2) : x.toFixed(1)} ms`);

export function renderTable(rows: readonly Row[]): string {
  const head: Row = { figure: 'figure', value: 'value', goal: 'goal', status: 'info' };
  const w = {
    figure: Math.max(...[head, ...rows].map((r) => r.figure.length)),
    value: Math.max(...[head, ...rows].map((r) => r.value.length)),
    goal: Math.max(...[head, ...rows].map((r) => r.goal.length)),
  };
  const line = (r: Row, status: string) => `| ${r.figure.padEnd(w.figure)} | ${r.value.padEnd(w.value)} | ${r.goal.padEnd(w.goal)} | ${status.padEnd(6)} |`;
  const sep = `|${'-'.repeat(w.figure + 2)}|${'-'.repeat(w.value + 2)}|${'-'.repeat(w.goal + 2)}|--------|`;
  return [line(head, 'status'), sep, ...rows.map((r) => line(r, r.status))].join('\n');
}
