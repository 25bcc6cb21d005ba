import { describe, expect, it } from 'vitest';
import { manualClock } from './manual-clock.js';

describe('manual clock', () => {
  it('advance fires due timers in due order (ties in scheduling order), each reading its own due time, including timers a fired one schedules', async () => {
    const clock = manualClock(1_000);
    const fired: Array<[string, number]> = [];
    const log = (name: string) => () => void fired.push([name, clock.now()]);
    clock.setTimer(log('c'), 300);
    clock.setTimer(log('a'), 100);
    clock.setTimer(log('b'), 100);
    clock.setTimer(() => {
      log('d')();
      clock.setTimer(log('e'), 50);
    }, 200);
    clock.setTimer(log('late'), 1_000);
    clock.setTimer(log('cancelled'), 10).cancel();
    await clock.advance(400);
    expect(fired).toEqual([['a', 1_100], ['b', 1_100], ['d', 1_200], ['e', 1_250], ['c', 1_300]]);
    expect(clock.now()).toBe(1_400);
    expect(clock.pending()).toBe(1);
  });

  it('sleep resolves only once the clock is advanced past it, and its continuation runs before advance returns', async () => {
    const clock = manualClock();
    const woke: number[] = [];
    void clock.sleep(500).then(() => woke.push(clock.now()));
    await clock.advance(499);
    expect(woke).toEqual([]);
    await clock.advance(1);
    expect(woke).toEqual([clock.now()]);
  });
});
