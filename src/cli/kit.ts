/** Output and flag-value helpers shared by the command bodies. */
import type { CliIo } from './io.js';
import { usageError } from './exit.js';

/** One line, no newlines, no control characters. */
export function oneLine(s: string): string {
  // eslint-disable-next-line no-control-regex -- stripping control characters is the point
  return s.replace(/[\r\n\t]+/g, ' ').replace(/[\x00-\x1f\x7f]/g, '').slice(0, 500);
}

export function out(io: CliIo, json: boolean, data: unknown, text: string): void {
  io.stdout(json ? JSON.stringify(data) + '\n' : text.endsWith('\n') || text === '' ? text : text + '\n');
}

/** `30m`, `24h`, `7d`, `90s` → ms. */
export function parseDurationFlag(s: string, flag: string): number {
  const m = /^(\d+)(s|m|h|d)$/.exec(s.trim());
  if (!m) throw usageError(`${flag} must look like 90s, 30m, 24h or 7d`);
  return Number(m[1]) * { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3 }[m[2] as 's' | 'm' | 'h' | 'd'];
}

/** ISO time or a relative `7d`/`24h` (meaning "that long ago"). */
export function parseTimeFlag(s: string, flag: string, now: number): number {
  if (/^\d+(s|m|h|d)$/.test(s)) return now - parseDurationFlag(s, flag);
  const t = Date.parse(s);
  if (Number.isNaN(t)) throw usageError(`${flag} must be an ISO time or a duration like 7d`);
  return t;
}

/** `--port` values: an integer 0–65535 (0 = any free port). */
export function parsePort(s: string): number {
  const port = Number(s);
  if (!/^\d+$/.test(s.trim()) || !Number.isInteger(port) || port < 0 || port > 65535) throw usageError('--port must be 0-65535');
  return port;
}
