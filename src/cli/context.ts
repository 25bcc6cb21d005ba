/**
 * What a command module gets from the program: process I/O, the global flags, the app views
 * (opened on first use, closed when the command ends) and a way to wait for SIGINT/SIGTERM.
 * A command module exports `define(cmd, ctx)`, which adds its options, arguments, subcommands
 * and actions to the commander command the program created for it (named and summarised in
 * commands.ts). Modules are imported only when their command runs (or for the top-level help).
 */
import type { Command } from 'commander';
import type { OperatorRuntime } from '../connect/runtime.js';
import type { McpRuntime } from '../mcp/runtime.js';
import type { CliIo } from './io.js';
import type { IntegrationsView, KeySetup, OpenIntent, RunDemo, RunSandbox, RuntimeFlags } from './open.js';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevelFlag = (typeof LOG_LEVELS)[number];

/** The flags every command accepts, before or after its name. */
export interface GlobalOptions {
  config?: string;
  dataDir?: string;
  store?: string;
  redisUrl?: string;
  keysFile?: string;
  logLevel?: LogLevelFlag;
  /** `--integrations <dir>`, in the order given. */
  integrations?: string[];
  json: boolean;
}

export interface CommandContext {
  io: CliIo;
  /** The parsed global flags (read them inside an action). */
  globals(): GlobalOptions;
  /** The global flags as app configuration flags; `defaultLogLevel` applies when no --log-level is given. */
  flags(defaultLogLevel?: LogLevelFlag): RuntimeFlags;
  /** `intent` applies when this opens the runtime (the first call). */
  mcp(defaultLogLevel?: LogLevelFlag, intent?: OpenIntent): Promise<McpRuntime>;
  /** The operator view; `{ create: true }` only for init and the commands that write accounts. */
  operator(intent?: OpenIntent): Promise<OperatorRuntime>;
  keys(): Promise<KeySetup>;
  /** The configured integration definitions, without opening the store. */
  integrations(): Promise<IntegrationsView>;
  runDemo: RunDemo;
  runSandbox: RunSandbox;
  /** Resolves on SIGINT/SIGTERM (or when the caller's stop signal aborts); listens only while awaited. */
  stopped(): Promise<void>;
  /**
   * An `.action()` handler that runs `body` on the command being run (read `cmd.opts()` and the
   * positional `cmd.args`); the number it returns is the exit code.
   */
  action(body: (cmd: Command) => Promise<number>): (this: Command) => Promise<void>;
}

export interface CommandModule {
  define(cmd: Command, ctx: CommandContext): void;
}

