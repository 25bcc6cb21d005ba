/**
 * The one Clock tests move by hand. Time moves only through `advance` (or `set`); `setTimer`
 * callbacks and `sleep` promises fire when `advance` passes their due time, in due order (ties in
 * the order they were scheduled), with the clock reading each one's due time as it fires.
 */
import type { Clock, TimerHandle } from '../../src/core/deps.js';

export interface ManualClock extends Clock {
  /** Moves time forward by `ms`, firing each due timer and letting its continuations run before the next. */
  advance(ms: number): Promise<void>;
  /** Jumps to `t` without firing anything (for code polled with an explicit time). */
  set(t: number): void;
  /** Timers and sleeps scheduled and neither fired nor cancelled. */
  pending(): number;
}

interface Timer {
  at: number;
  seq: number;
  fn: () => void;
}

/** Lets the microtasks and immediates a fired timer started run before the next one fires. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

export function manualClock(start = Date.UTC(2026, 0, 1)): ManualClock {
  let now = start;
  let seq = 0;
  const timers = new Set<Timer>();
  const nextDue = (until: number): Timer | undefined => {
    let first: Timer | undefined;
    for (const t of timers) if (t.at <= until && (!first || t.at < first.at || (t.at === first.at && t.seq < first.seq))) first = t;
    return first;
  };
  const clock: ManualClock = {
    now: () => now,
    setTimer(fn, ms): TimerHandle {
      const t: Timer = { at: now + Math.max(0, ms), seq: ++seq, fn };
      timers.add(t);
      return { cancel: () => void timers.delete(t) };
    },
    sleep: (ms) => new Promise<void>((resolve) => clock.setTimer(resolve, ms)),
    async advance(ms) {
      const target = now + ms;
      for (let t = nextDue(target); t; t = nextDue(target)) {
        timers.delete(t);
        now = Math.max(now, t.at);
        t.fn();
        await settle();
      }
      now = Math.max(now, target);
      await settle();
    },
    set(t) {
      now = t;
    },
    pending: () => timers.size,
  };
  return clock;
}
