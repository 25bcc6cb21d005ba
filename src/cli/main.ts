#!/usr/bin/env node
/** Entry point: dispatches to a lazily loaded command module (see commands.ts). */
import { COMMANDS } from './commands.js';
import { processIo } from './io.js';

function usage(): string {
  const rows = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(12)} ${c.summary}`);
  return ['Usage: crm-mcp <command> [options]', '', 'Commands:', ...rows, '', "Run 'crm-mcp <command> --help' for a command's options.", ''].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const io = processIo();
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(usage());
    return name ? 0 : 1;
  }
  const entry = COMMANDS[name];
  if (!entry) {
    io.stderr(`crm-mcp: unknown command '${name}'\n${usage()}`);
    return 2;
  }
  const mod = await entry.load();
  return mod.run(rest, io);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    const msg = err instanceof Error ? err.message : String(err);
    process.stderr.write(`crm-mcp: ${msg}\n`);
    process.exitCode = 1;
  },
);
