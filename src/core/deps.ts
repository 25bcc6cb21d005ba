/**
 * Everything with a side effect the core needs is injected through these small types,
 * so tests pass fakes instead of mocking modules. The composition roots (CLI, demo,
 * bench) build the real ones with `systemClock`, `cryptoRandom` and `createLogger`.
 */
import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import type { Dispatcher } from 'undici';

export interface TimerHandle {
  cancel(): void;
}

export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Runs `fn` once after `ms`; the returned handle cancels it. Must not keep the process alive. */
  setTimer(fn: () => void, ms: number): TimerHandle;
  /** Resolves after `ms` on this clock. */
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(fn, ms) {
    const t = setTimeout(fn, Math.max(0, ms));
    t.unref();
    return { cancel: () => clearTimeout(t) };
  },
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))),
};

export interface Random {
  /** Uniform float in [0, 1). */
  float(): number;
  /** Uniform integer in [min, max). */
  int(min: number, max: number): number;
  bytes(n: number): Buffer;
  uuid(): string;
}

export const cryptoRandom: Random = {
  float: () => randomInt(0, 2 ** 48) / 2 ** 48,
  int: (min, max) => randomInt(min, max),
  bytes: (n) => randomBytes(n),
  uuid: () => randomUUID(),
};

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

/**
 * The one bag of injected dependencies. `dispatcher` is the undici Dispatcher every outbound
 * HTTP request goes through (tests pass an Agent pointed at loopback fakes; production the
 * global one).
 */
export interface Deps {
  clock: Clock;
  random: Random;
  logger: Logger;
  dispatcher?: Dispatcher;
}
