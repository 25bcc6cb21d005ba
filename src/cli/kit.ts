/**
 * Shared plumbing for the operator commands. Exit codes (documented in each command's usage):
 *   0 ok · 1 failure (provider, store, verification) · 2 usage (bad flags or input) · 3 not found
 * Every failure writes exactly one line `crm-mcp <command>: <reason>` to stderr; with --json,
 * stdout also gets `{"ok":false,"error":{"code","message"}}`.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { CliIo } from '../../cli/io.js';
import { isCrmMcpError } from '../../core/errors.js';
import type { OpenOperatorRuntime, RuntimeFlags as OperatorFlags } from '../../cli/open.js';
import type { OperatorRuntime } from '../runtime.js';

export const EXIT = { ok: 0, failure: 1, usage: 2, notFound: 3 } as const;
export const EXIT_CODES_DOC = 'Exit codes: 0 ok, 1 failure, 2 usage error, 3 not found.';
export const STORE_FLAGS_DOC = 'Store flags: --store <path> | --redis-url <url>, --config <file>';

export class CliFailure extends Error {
  constructor(
    readonly exitCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const usageError = (message: string) => new CliFailure(EXIT.usage, 'usage', message);
export const notFound = (message: string) => new CliFailure(EXIT.notFound, 'not_found', message);
export const failure = (code: string, message: string) => new CliFailure(EXIT.failure, code, message);

export const COMMON_OPTIONS = {
  json: { type: 'boolean', default: false },
  store: { type: 'string' },
  'redis-url': { type: 'string' },
  config: { type: 'string' },
  'log-level': { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
} as const satisfies NonNullable<ParseArgsConfig['options']>;

type Options = NonNullable<ParseArgsConfig['options']>;
export type Parsed<O extends Options> = ReturnType<typeof parseArgs<{ args: string[]; options: typeof COMMON_OPTIONS & O; allowPositionals: true; strict: true }>>;

export function parse<O extends Options>(argv: string[], options: O): Parsed<O> {
  try {
    return parseArgs({ args: argv, options: { ...COMMON_OPTIONS, ...options }, allowPositionals: true, strict: true });
  } catch (err) {
    throw usageError((err as Error).message.split('\n')[0] ?? 'bad arguments');
  }
}

export function flagsOf(values: Record<string, unknown>): OperatorFlags {
  const s = (k: string) => (typeof values[k] === 'string' ? (values[k] as string) : undefined);
  return { store: s('store'), redisUrl: s('redis-url'), config: s('config'), logLevel: s('log-level') ?? 'warn' };
}

/** One line, no newlines, no control characters. */
export function oneLine(s: string): string {
  // eslint-disable-next-line no-control-regex -- stripping control characters is the point
  return s.replace(/[\r\n\t]+/g, ' ').replace(/[\x00-\x1f\x7f]/g, '').slice(0, 500);
}

export function toFailure(err: unknown): CliFailure {
  if (err instanceof CliFailure) return err;
  if (isCrmMcpError(err)) {
    const nf = err.code === 'account_not_found' || err.code === 'integration_unknown' || err.code === 'not_found';
    const usage = err.code === 'invalid_input';
    return new CliFailure(nf ? EXIT.notFound : usage ? EXIT.usage : EXIT.failure, err.code, err.message);
  }
  return new CliFailure(EXIT.failure, 'error', err instanceof Error ? err.message : String(err));
}

/**
 * Runs a command body with uniform failure handling and the runtime opened lazily (usage errors
 * never touch the store) and always closed.
 */
export async function runCommand(
  name: string,
  io: CliIo,
  json: () => boolean,
  usage: string,
  body: (ctx: { runtime: () => Promise<OperatorRuntime> }) => Promise<number>,
  open: OpenOperatorRuntime,
  flags: () => OperatorFlags,
): Promise<number> {
  let rt: OperatorRuntime | undefined;
  try {
    return await body({
      runtime: async () => (rt ??= await open(flags(), io)),
    });
  } catch (err) {
    const f = toFailure(err);
    io.stderr(`crm-mcp ${name}: ${oneLine(f.message)}${f.exitCode === EXIT.usage && usage ? ` (see 'crm-mcp ${name.split(' ')[0]} --help')` : ''}\n`);
    if (json()) io.stdout(JSON.stringify({ ok: false, error: { code: f.code, message: oneLine(f.message) } }) + '\n');
    return f.exitCode;
  } finally {
    await rt?.close();
  }
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
