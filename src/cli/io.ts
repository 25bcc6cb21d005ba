import type { Readable } from 'node:stream';

/** What a CLI command may touch, injected so tests run commands in-process. */
export interface CliIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  env: NodeJS.ProcessEnv;
  /** True when stdout is a terminal (export --include-secrets refuses to write to one). */
  stdoutIsTty: boolean;
  /** True when stderr is a terminal (progress bars draw only then); absent means it is not. */
  stderrIsTty?: boolean;
  /** Input for `accounts import -`, `--api-key-stdin` and `stdio`'s protocol stream. */
  stdin?: Readable;
}

export function processIo(): CliIo {
  return {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    env: process.env,
    stdoutIsTty: Boolean(process.stdout.isTTY),
    stderrIsTty: Boolean(process.stderr.isTTY),
    stdin: process.stdin,
  };
}
