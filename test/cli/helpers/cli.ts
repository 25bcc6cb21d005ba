/**
 * The CLI in-process, one function per command: `runCli` (src/cli/program.ts) with the command
 * word prepended and the app opener of that command injected.
 */
import type { CliIo } from '../../../src/cli/io.js';
import type { OpenOperatorRuntime, OpenRuntime } from '../../../src/cli/open.js';
import { runCli } from '../../../src/cli/program.js';

const operatorCommand = (name: string) => (argv: string[], io: CliIo, open: OpenOperatorRuntime) => runCli([name, ...argv], io, { open: { operator: open } });

export const accounts = operatorCommand('accounts');
export const audit = operatorCommand('audit');
export const connect = operatorCommand('connect');
export const links = operatorCommand('links');
export const status = operatorCommand('status');

export const tokens = (argv: string[], io: CliIo, open: OpenRuntime) => runCli(['tokens', ...argv], io, { open: { mcp: open } });
export const serve = (argv: string[], io: CliIo, open: OpenRuntime, o: { stop?: AbortSignal } = {}) => runCli(['serve', ...argv], io, { open: { mcp: open }, ...o });

/** Over the real openers (the store and key file named by the flags and `io.env`). */
export const keys = (argv: string[], io: CliIo) => runCli(['keys', ...argv], io);
export const stdio = (argv: string[], io: CliIo) => runCli(['stdio', ...argv], io);
