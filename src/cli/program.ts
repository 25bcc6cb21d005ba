/**
 * The crm-mcp command line: one commander program with the global flags, the commands of
 * commands.ts, and the exit-code contract (src/cli/exit.ts). `runCli` is the whole CLI as a
 * function: main.ts runs it on the process; tests run it in-process with in-memory openers.
 * Only the invoked command's module is imported (all of them for the top-level help), so
 * `crm-mcp stdio` never loads the connect flow, the demo or the sandboxes.
 */
import { Command, CommanderError, Help, Option } from 'commander';
import { COMMANDS } from './commands.js';
import { LOG_LEVELS, type CommandContext, type GlobalOptions } from './context.js';
import { CliFailure, EXIT, toFailure } from './exit.js';
import type { CliIo } from './io.js';
import { oneLine } from './kit.js';
import { defaultOpeners, type CliOpeners } from './open.js';

export interface RunCliOptions {
  /** How commands reach the app; default the real openers (src/cli/open.ts). */
  open?: Partial<CliOpeners>;
  /** Stops long-running commands (`serve`, `demo`, `sandbox`) as SIGINT does. */
  stop?: AbortSignal;
}

/** Global flags that take a value (skipped when looking for the command word). */
const VALUE_FLAGS = new Set(['--config', '--data-dir', '--store', '--redis-url', '--keys-file', '--log-level', '--integrations']);

const GLOBAL_HELP = `
Global options go before or after the command. Flags win over CRM_MCP_* environment variables,
which win over the config file. Exit codes: 0 ok, 1 failure, 2 usage error, 3 not found.`;

/** Runs one command line; resolves to the exit code (rejects only if closing the store fails). */
export async function runCli(argv: string[], io: CliIo, o: RunCliOptions = {}): Promise<number> {
  const openers: CliOpeners = { ...defaultOpeners, ...o.open };
  const program = buildProgram(io);
  const opened: Array<{ close(): Promise<void> }> = [];
  const track = async <T extends { close(): Promise<void> }>(p: Promise<T>): Promise<T> => {
    const rt = await p;
    opened.push(rt);
    return rt;
  };
  let code: number = EXIT.ok;
  const globals = (): GlobalOptions => {
    const g = program.opts<Partial<GlobalOptions>>();
    return { ...g, json: g.json === true };
  };
  const flags: CommandContext['flags'] = (defaultLogLevel) => {
    const g = globals();
    return { config: g.config, dataDir: g.dataDir, store: g.store, redisUrl: g.redisUrl, keysFile: g.keysFile, logLevel: g.logLevel ?? defaultLogLevel, integrations: g.integrations };
  };
  let mcp: ReturnType<CommandContext['mcp']> | undefined;
  let operator: ReturnType<CommandContext['operator']> | undefined;
  let integrations: ReturnType<CommandContext['integrations']> | undefined;
  const ctx: CommandContext = {
    io,
    globals,
    flags,
    mcp: (level, intent) => (mcp ??= track(openers.mcp(flags(level), io, intent))),
    operator: (intent) => (operator ??= track(openers.operator(flags('warn'), io, intent))),
    integrations: () => (integrations ??= track(openers.integrations(flags('warn'), io))),
    async keys() {
      const setup = await openers.keys(flags('warn'), io);
      return { ...setup, open: () => track(setup.open()) };
    },
    runDemo: openers.demo,
    runSandbox: openers.sandbox,
    stopped: () => stopped(o.stop, io),
    action: (body) =>
      async function (this: Command) {
        code = await body(this);
      },
  };

  const word = commandWord(argv);
  const entry = word.name === undefined ? undefined : COMMANDS[word.name];
  try {
    // The command word picks the one module to load; without one, the help needs them all.
    const names = entry ? [word.name!] : word.name === undefined ? Object.keys(COMMANDS) : word.name === 'help' && word.next && COMMANDS[word.next] ? [word.next] : [];
    for (const name of names) {
      const cmd = program.commands.find((c) => c.name() === name)!;
      (await COMMANDS[name]!.load()).define(cmd, ctx);
    }
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help asked for goes to stdout (exit 0); help as an error (no command given) already went to stderr.
      if (err.code === 'commander.helpDisplayed') return EXIT.ok;
      if (err.code === 'commander.help') return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    const path = commandPath(program, argv);
    const f = err instanceof CommanderError ? new CliFailure(EXIT.usage, 'usage', commanderMessage(err, path)) : toFailure(err);
    const name = ['crm-mcp', ...path].join(' ');
    io.stderr(`${name}: ${oneLine(f.message)}${f.exitCode === EXIT.usage ? ` (see '${name} --help')` : ''}\n`);
    const json = globals().json || argv.includes('--json');
    if (json && !(entry?.stdoutIsProtocol ?? false)) io.stdout(JSON.stringify({ ok: false, error: { code: f.code, message: oneLine(f.message) } }) + '\n');
    return f.exitCode;
  } finally {
    for (const rt of opened.reverse()) await rt.close();
  }
}

function buildProgram(io: CliIo): Command {
  const program = new Command('crm-mcp')
    .description('Unified CRM tools over MCP, per linked account (stdio or Streamable HTTP), and the commands that manage the accounts.')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr, outputError: () => {} })
    .configureHelp({ showGlobalOptions: true, visibleCommands, subcommandTerm })
    .showSuggestionAfterError()
    .addOption(new Option('--config <file>', 'JSON config file (or CRM_MCP_CONFIG)'))
    .addOption(new Option('--data-dir <dir>', 'data directory (default ./.crm-mcp, or CRM_MCP_DATA_DIR)'))
    .addOption(new Option('--store <path>', 'embedded store file (default <data dir>/store.sqlite), or a redis:// URL (CRM_MCP_STORE)'))
    .addOption(new Option('--redis-url <url>', 'use Redis instead of the embedded store'))
    .addOption(new Option('--keys-file <path>', 'encryption key file (default <data dir>/keys.json, or CRM_MCP_KEYS_FILE; CRM_MCP_ENCRYPTION_KEY wins)'))
    .addOption(new Option('--log-level <level>', 'log level on stderr (default info for serve/stdio, warn otherwise)').choices(LOG_LEVELS))
    .addOption(
      new Option('--integrations <dir>', 'a directory of integration definitions, loaded after the shipped ones (repeatable; or CRM_MCP_INTEGRATIONS_DIR)').argParser(
        (dir: string, prev: string[] | undefined) => [...(prev ?? []), dir],
      ),
    )
    .option('--json', 'machine-readable output: one JSON document on stdout; failures as {"ok":false,"error":{"code","message"}}')
    .addHelpText('afterAll', GLOBAL_HELP);
  for (const [name, c] of Object.entries(COMMANDS)) program.command(name).description(c.summary);
  return program;
}

/** The top-level help lists every subcommand (`accounts list`, `keys rotate`, …), not just the groups. */
function visibleCommands(cmd: Command): Command[] {
  const base = new Help();
  base.sortSubcommands = true;
  const direct = base.visibleCommands(cmd);
  if (cmd.parent) return direct;
  return direct.flatMap((c) => {
    const subs = base.visibleCommands(c).filter((s) => s.name() !== 'help');
    return subs.length > 0 ? subs : [c];
  });
}

function subcommandTerm(cmd: Command): string {
  const groupName = cmd.parent?.parent ? `${cmd.parent.name()} ` : '';
  return `${groupName}${cmd.name()} ${cmd.usage()}`.trimEnd();
}

/** The first word that is not a global flag or its value (the command), and the word after it. */
function commandWord(argv: string[]): { name?: string; next?: string } {
  const words: string[] = [];
  for (let i = 0; i < argv.length && words.length < 2; i++) {
    const a = argv[i]!;
    if (a === '--') break;
    if (a.startsWith('-')) {
      if (VALUE_FLAGS.has(a)) i++;
      continue;
    }
    words.push(a);
  }
  return { ...(words[0] !== undefined ? { name: words[0] } : {}), ...(words[1] !== undefined ? { next: words[1] } : {}) };
}

/** The (sub)command names the command line reached, for messages: ['accounts', 'show']. */
function commandPath(program: Command, argv: string[]): string[] {
  const path: string[] = [];
  let cmd = program;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') break;
    if (a.startsWith('-')) {
      if (VALUE_FLAGS.has(a)) i++;
      continue;
    }
    const sub = cmd.commands.find((c) => c.name() === a);
    if (!sub) break;
    path.push(a);
    cmd = sub;
  }
  return path;
}

function commanderMessage(err: CommanderError, path: string[]): string {
  const msg = err.message.replace(/^error: /, '');
  return err.code === 'commander.unknownCommand' && path.length > 0 ? msg.replace('unknown command', 'unknown subcommand') : msg;
}

/**
 * How long a command may take to shut down after SIGINT/SIGTERM before the process ends anyway:
 * work that outlives a graceful close (a token refresh waiting on a hung provider, a webhook
 * retry, a store client reconnecting) must not keep a stopped server alive.
 */
const SHUTDOWN_GRACE_MS = 1_500;

function stopped(signal: AbortSignal | undefined, io: CliIo): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = (sig?: unknown) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      signal?.removeEventListener('abort', stop);
      if (typeof sig === 'string') {
        setTimeout(() => {
          io.stderr(`crm-mcp: shutdown did not finish within ${SHUTDOWN_GRACE_MS} ms of ${sig}; exiting\n`);
          process.exit();
        }, SHUTDOWN_GRACE_MS).unref();
      }
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    if (signal?.aborted) stop();
    signal?.addEventListener('abort', stop, { once: true });
  });
}
