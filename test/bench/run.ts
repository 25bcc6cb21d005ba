/**
 * `npm run bench` (node --import tsx test/bench/run.ts [--quick] [--only a,b] [--out <file>]): runs the
 * benchmarks, prints the table and writes the JSON (default bench/results.json). A composition
 * root like the CLI: nothing in the core imports it. Goals are reported, never asserted.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { rows } from './report.js';
import { renderTable } from './stats.js';
import { BENCHES, runBench, type BenchName } from './suite.js';

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, only: { type: 'string' }, out: { type: 'string', default: 'bench/results.json' } }, strict: true });
  const only = (values.only ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = only.filter((n) => !(BENCHES as readonly string[]).includes(n));
  if (unknown.length) {
    process.stderr.write(`bench: unknown bench ${unknown.join(', ')}; known: ${BENCHES.join(', ')}\n`);
    return 2;
  }
  const results = await runBench({ quick: values.quick, only: only as BenchName[], progress: (l) => process.stderr.write(l + '\n') });
  const table = renderTable(rows(results));
  const out = resolve(values.out);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify({ ...results, table: table.split('\n') }, null, 2) + '\n');
  const m = results.meta;
  process.stdout.write(`\ncrm-mcp bench — ${m.quick ? 'QUICK (small samples) — ' : ''}node ${m.node}, ${m.cpus} × ${m.cpu_model}, ${m.seconds} s\n\n${table}\n\n`);
  for (const n of m.notes) process.stdout.write(`note: ${n}\n`);
  process.stdout.write(`JSON: ${out}\n`);
  return Object.keys(results.errors).length ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`bench: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  },
);
