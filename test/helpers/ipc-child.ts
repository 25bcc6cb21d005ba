/**
 * A child process spoken to over its IPC channel (the message-barrier pattern of the multi-process
 * tests): `next(type, match?)` resolves with the first message of that type not taken yet, or
 * rejects with the child's stderr if it exits first.
 */
import { spawn, type ChildProcess } from 'node:child_process';

export interface IpcMessage {
  type: string;
  [k: string]: unknown;
}

export interface IpcChild {
  child: ChildProcess;
  next<T extends IpcMessage = IpcMessage>(type: string, match?: (m: T) => boolean): Promise<T>;
  send(m: IpcMessage): void;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function spawnIpcChild(script: string, args: string[], env: NodeJS.ProcessEnv = process.env): IpcChild {
  const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], env });
  const inbox: IpcMessage[] = [];
  const waiting = new Set<() => void>();
  let err = '';
  let gone: string | undefined;
  child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
  child.on('message', (m: IpcMessage) => {
    inbox.push(m);
    for (const f of [...waiting]) f();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => {
      gone = `child exited ${code ?? signal}`;
      for (const f of [...waiting]) f();
      resolve({ code, signal });
    }),
  );
  return {
    child,
    exited,
    stderr: () => err,
    send: (m) => void child.send(m),
    next<T extends IpcMessage>(type: string, match?: (m: T) => boolean) {
      return new Promise<T>((resolve, reject) => {
        const check = () => {
          const i = inbox.findIndex((m) => m.type === type && (!match || match(m as T)));
          if (i >= 0) {
            waiting.delete(check);
            resolve(inbox.splice(i, 1)[0] as T);
          } else if (gone) {
            waiting.delete(check);
            reject(new Error(`${gone} before sending '${type}': ${err.slice(-2000)}`));
          }
        };
        waiting.add(check);
        check();
      });
    },
  };
}
