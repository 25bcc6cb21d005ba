/**
 * Ready-to-paste MCP client configurations for a stdio server: Claude Desktop
 * (`claude_desktop_config.json`), VS Code (`.vscode/mcp.json`), Claude Code (`claude mcp add`)
 * and the MCP Inspector (stdio, and Streamable HTTP with a bearer token). Every one of them
 * starts exactly `command` + `args` with exactly `env`: the clients pass a server no more than a
 * few variables of their own (HOME, PATH, …), and the Inspector's stdio mode passes none of the
 * shell's, so every variable the server needs is spelled out (`-e` for the Inspector).
 */

export interface ServerLaunch {
  /** The server's name in the client. */
  name: string;
  /** Absolute path of the program (a node binary). */
  command: string;
  args: string[];
  env: Record<string, string>;
}

const INSPECTOR = 'npx @modelcontextprotocol/inspector';

export function claudeDesktopConfig(servers: readonly ServerLaunch[]): { mcpServers: Record<string, { command: string; args: string[]; env: Record<string, string> }> } {
  return { mcpServers: Object.fromEntries(servers.map((s) => [s.name, { command: s.command, args: s.args, env: s.env }])) };
}

export function vscodeConfig(servers: readonly ServerLaunch[]): { servers: Record<string, { type: 'stdio'; command: string; args: string[]; env: Record<string, string> }> } {
  return { servers: Object.fromEntries(servers.map((s) => [s.name, { type: 'stdio' as const, command: s.command, args: s.args, env: s.env }])) };
}

/** `claude mcp add`: options before the name, the server's command line after `--`. */
export function claudeCodeCommand(s: ServerLaunch, platform: NodeJS.Platform): string {
  const env = Object.entries(s.env).flatMap(([k, v]) => ['--env', `${k}=${v}`]);
  return shellLine(['claude', 'mcp', 'add', '--transport', 'stdio', ...env, s.name, '--', s.command, ...s.args], platform);
}

/** The Inspector on a stdio server: the web UI, or with `cli` its one-shot command line (`--method tools/list`). */
export function inspectorStdioCommand(s: ServerLaunch, platform: NodeJS.Platform, cli: boolean): string {
  const env = Object.entries(s.env).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
  return `${INSPECTOR} ${shellLine([...(cli ? ['--cli', '--method', 'tools/list'] : []), ...env, '--', s.command, ...s.args], platform)}`;
}

export function inspectorHttpCommand(url: string, token: string, platform: NodeJS.Platform): string {
  return `${INSPECTOR} ${shellLine(['--cli', url, '--transport', 'http', '--header', `Authorization: Bearer ${token}`, '--method', 'tools/list'], platform)}`;
}

/** Arguments joined into one line the platform's shell reads back as the same arguments. */
function shellLine(args: readonly string[], platform: NodeJS.Platform): string {
  return args.map((a) => shellQuote(a, platform)).join(' ');
}

function shellQuote(arg: string, platform: NodeJS.Platform): string {
  if (/^[A-Za-z0-9_\-+=:,./@%]+$/.test(arg)) return arg;
  // PowerShell and cmd both read "…" as one argument; paths there hold no double quotes.
  if (platform === 'win32') return `"${arg.replace(/"/g, '\\"')}"`;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}
