/**
 * `crm-mcp serve` (the built binary) as a child process for tests that need the product as
 * deployed: resolves once it prints its listening URL; `stop` ends it.
 */
import { spawn } from 'node:child_process';
import { cliArgs, ROOT } from './dist.js';

export interface ServeProcess {
  /** e.g. http://127.0.0.1:43121 */
  url: string;
  /** What it logged so far. */
  stderr(): string;
  stop(): Promise<void>;
}

export async function startServe(env: NodeJS.ProcessEnv, ...args: string[]): Promise<ServeProcess> {
  const child = spawn(process.execPath, cliArgs('serve', '--port', '0', ...args), { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
  const listening = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', () => {
      const m = /"listening":"([^"]+)"/.exec(out);
      if (m) resolve(new URL(m[1]!).origin);
    });
    child.once('exit', (code) => reject(new Error(`serve exited ${code}: ${err}`)));
  });
  return {
    url: listening,
    stderr: () => err,
    stop: () => (child.exitCode !== null ? Promise.resolve() : new Promise((resolve) => (child.once('exit', () => resolve()), child.kill('SIGTERM')))),
  };
}
