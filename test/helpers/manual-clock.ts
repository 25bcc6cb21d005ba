/** A Clock tests move by hand: `advance(ms)` fires due timers in order. */
import type { Clock, TimerHandle } from '../../src/core/deps.js';

export interface ManualClock extends Clock {
  advance(ms: number): Promise<void>;
  set(now: number): void;
}

export function createManualClock(start = Date.UTC(2026, 0, 1)): ManualClock {
  let now = start;
  let seq = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();
  const clock: ManualClock = {
    now: () => now,
    setTimer(fn, ms): TimerHandle {
      const id = ++seq;
      timers.set(id, { at: now + Math.max(0, ms), fn });
      return { cancel: () => void timers.delete(id) };
    },
    sleep: (ms) => new Promise<void>((resolve) => clock.setTimer(resolve, ms)),
    async advance(ms) {
      const target = now + ms;
      for (;;) {
        const due = [...timers.entries()].filter(([, t]) => t.at <= target).sort((a, b) => a[1].at - b[1].at)[0];
        if (!due) break;
        timers.delete(due[0]);
        now = Math.max(now, due[1].at);
        due[1].fn();
        await Promise.resolve();
      }
      now = target;
    },
    set(t) {
      now = t;
    },
  };
  return clock;
}
