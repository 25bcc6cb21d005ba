/**
 * Processes the bench measures: each spawned with an IPC channel and the probe (PROBE_FLAGS), ready
 * once it prints its one JSON line on stdout (`crm-mcp serve` prints `{"listening": …}`, the bench
 * children `{"ready": …}`). stderr is kept (the last 4 KB) for error messages; closing sends
 * SIGTERM and waits for the exit (SIGKILL after 5 s).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { Probe } from './probe.js';

export interface Proc {
  name: string;
  child: ChildProcess;
  probe: Probe;
  /** The parsed ready line. */
  ready: Record<string, unknown>;
  stderrTail(): string;
  close(): Promise<void>;
}

export interface StartOptions {
  /** The key of the stdout line that says the process is ready. */
  readyKey: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  timeoutMs?: number;
}

export function startProc(name: string, command: string, args: readonly string[], o: StartOptions): Promise<Proc> {
  const child = spawn(command, args, { cwd: o.cwd, env: { ...process.env, ...o.env }, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  const probe = new Probe(child, name);
  let err = '';
  child.stderr!.on('data', (c: Buffer) => {
    err = (err + c.toString()).slice(-4096);
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const close = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };
  return new Promise<Proc>((resolve, reject) => {
    let buf = '';
    let settled = false;
    const fail = (why: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void close();
      reject(new Error(`${name} ${why}: ${err.trim().split('\n').slice(-3).join(' | ').slice(0, 600)}`));
    };
    const timer = setTimeout(() => fail(`not ready within ${o.timeoutMs ?? 30_000} ms`), o.timeoutMs ?? 30_000);
    child.once('exit', (code) => fail(`exited (${code}) before it was ready`));
    child.once('error', (e) => fail(`failed to start (${e.message})`));
    const onData = (c: Buffer) => {
      buf += c.toString();
      for (let nl = buf.indexOf('\n'); nl !== -1; nl = buf.indexOf('\n')) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        let msg: Record<string, unknown>;
        try {
          msg = JSON.parse(line) as Record<string, unknown>;
        } catch {
          continue;
        }
        if (!(o.readyKey in msg)) continue;
        settled = true;
        clearTimeout(timer);
        child.stdout!.off('data', onData);
        child.stdout!.resume();
        resolve({ name, child, probe, ready: msg, stderrTail: () => err, close });
        return;
      }
    };
    child.stdout!.on('data', onData);
  });
}
