/** What a CLI command may touch, injected so tests run commands in-process. */
export interface CliIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  env: NodeJS.ProcessEnv;
  /** True when stdout is a terminal (export --include-secrets refuses to write to one). */
  stdoutIsTty: boolean;
  stdin?: NodeJS.ReadableStream;
}

export function processIo(): CliIo {
  return {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    env: process.env,
    stdoutIsTty: Boolean(process.stdout.isTTY),
    stdin: process.stdin,
  };
}
