/**
 * The one command shape of the generators (schema.json, MODEL.md): rewrite the file when its
 * text differs from what the code generates, or with `--check` report (exit 1) that it is stale.
 * `--file <path>` names another file (tests use a temporary copy).
 */
import { readFileSync, writeFileSync } from 'node:fs';

export function writeGenerated(defaultPath: string, fresh: string, regenerate: string, argv: readonly string[] = process.argv): void {
  const fileArg = argv.indexOf('--file');
  const path = fileArg > 0 && argv[fileArg + 1] ? argv[fileArg + 1]! : defaultPath;
  let current = '';
  try {
    current = readFileSync(path, 'utf8');
  } catch {
    // absent: stale
  }
  if (argv.includes('--check')) {
    process.stdout.write(current === fresh ? `${path} is up to date\n` : `${path} is stale: run ${regenerate}\n`);
    process.exitCode = current === fresh ? 0 : 1;
  } else if (current === fresh) {
    process.stdout.write(`${path} already up to date\n`);
  } else {
    writeFileSync(path, fresh);
    process.stdout.write(`wrote ${path}\n`);
  }
}
