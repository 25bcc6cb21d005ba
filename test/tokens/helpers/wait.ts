/** Waiting on events in tests: real-time polling of a condition, and settled promises as values. */
export async function until(cond: () => boolean | Promise<boolean>, what = 'condition', limitMs = 20_000): Promise<void> {
  const started = Date.now();
  while (!(await cond())) {
    if (Date.now() - started > limitMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** The promise's outcome as a value (it never rejects); `done` tells whether it has settled yet. */
export function settle<T>(p: Promise<T>): Promise<Settled<T>> & { done(): boolean } {
  let finished = false;
  const out = p.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  ).finally(() => (finished = true));
  return Object.assign(out, { done: () => finished });
}
