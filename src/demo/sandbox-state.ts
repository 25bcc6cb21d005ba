/**
 * Where `crm-mcp sandbox` keeps its data directory, and what it records there between runs:
 * `sandbox.json` holds the ports the fakes and the MCP server listened on (so a restart reuses
 * them and the printed client configs stay valid) and the pid of the running sandbox (so a second
 * one on the same directory is refused rather than moving the ports under the first). No secret
 * is kept in it; the store, key file and config file sit beside it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, posix, win32 } from 'node:path';
import { z } from 'zod';

const STATE_FILE = 'sandbox.json';
export const CONFIG_FILE = 'config.json';

const PortSchema = z.number().int().min(1).max(65535);
const StateSchema = z.object({
  pid: z.number().int().positive().optional(),
  ports: z.object({ hubspot: PortSchema, salesforce: PortSchema, mcp: PortSchema }).partial(),
});
export type SandboxState = z.infer<typeof StateSchema>;
export type SandboxPorts = Required<SandboxState['ports']>;

/**
 * The sandbox's default data directory, under the user's data directory: XDG_DATA_HOME (or
 * ~/.local/share) on Linux, ~/Library/Application Support on macOS, %LOCALAPPDATA% on Windows.
 */
export function defaultSandboxDir(env: NodeJS.ProcessEnv, platform: NodeJS.Platform, home: string): string {
  const join_ = platform === 'win32' ? win32.join : posix.join;
  const base =
    platform === 'win32' ? (env.LOCALAPPDATA || join_(home, 'AppData', 'Local'))
    : platform === 'darwin' ? join_(home, 'Library', 'Application Support')
    : (env.XDG_DATA_HOME || join_(home, '.local', 'share'));
  return join_(base, 'crm-mcp', 'sandbox');
}

/** The recorded state, or an empty one when there is none or it is unreadable (the sandbox rewrites it). */
export function readSandboxState(dir: string): SandboxState {
  let raw: string;
  try {
    raw = readFileSync(join(dir, STATE_FILE), 'utf8');
  } catch {
    return { ports: {} };
  }
  try {
    const parsed = StateSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : { ports: {} };
  } catch {
    return { ports: {} };
  }
}

export function writeSandboxState(dir: string, state: SandboxState): void {
  writeFileSync(join(dir, STATE_FILE), JSON.stringify(state, null, 2) + '\n', { mode: 0o600 });
}

/** The pid of another live sandbox on this directory, if one is running. */
export function runningSandboxPid(state: SandboxState, self: number): number | undefined {
  const pid = state.pid;
  if (pid === undefined || pid === self) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else — still running.
    return (err as NodeJS.ErrnoException).code === 'EPERM' ? pid : undefined;
  }
}
