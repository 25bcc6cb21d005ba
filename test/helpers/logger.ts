/** Loggers for tests: the real formatter and redaction, with lines kept in memory or dropped. */
import type { Logger, LogLevel } from '../../src/core/deps.js';
import { createLogger } from '../../src/core/logger.js';

/** Keeps every line; tests assert on them (e.g. that no token leaks). */
export function createMemoryLogger(level: LogLevel = 'debug'): Logger & { lines: string[] } {
  const lines: string[] = [];
  const logger = createLogger({ level, sink: (l) => lines.push(l) });
  return Object.assign(logger, { lines });
}

export const silentLogger: Logger = createLogger({ sink: () => {} });
