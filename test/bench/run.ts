/**
 * `npm run bench` (node --import tsx test/bench/run.ts [--quick] [--only a,b] [--out <file>]): runs the
 * benchmarks, prints the table and writes the JSON (default bench/results.json). Goals are reported
 * (✓/✗), never asserted: the exit code is 0 unless a bench failed to run.
 * `npm run bench -- --profile [--seconds 10] [--concurrency 8]`: instead, a CPU profile of
 * `crm-mcp serve` under load and its top functions by self time, by package (profile.ts); the
 * .cpuprofile is written beside the JSON.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { profileServe, renderProfile } from './profile.js';
import { rows } from './report.js';
import { startBenchStack } from './stack.js';
import { renderTable } from './stats.js';
import { BENCHES, runBench, type BenchName } from './suite.js';

async function profile(out: string, seconds: number, concurrency: number): Promise<number> {
  const stack = await startBenchStack();
  try {
    const crm = stack.targets.find((t) => t.role === 'crm')!;
    process.stderr.write(`bench: profiling ${crm.name} for ${seconds} s at c=${concurrency} …\n`);
    const file = join(dirname(out), `serve-${new Date().toISOString().replace(/[:.]/g, '-')}.cpuprofile`);
    const p = await profileServe(crm, { seconds, concurrency, file });
    writeFileSync(out, JSON.stringify(p, null, 2) + '\n');
    process.stdout.write(`\n${renderProfile(p)}\n\nJSON: ${out}\n`);
    return 0;
  } finally {
    await stack.close();
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false }, only: { type: 'string' }, out: { type: 'string' },
      profile: { type: 'boolean', default: false }, seconds: { type: 'string', default: '10' }, concurrency: { type: 'string', default: '8' },
    },
    strict: true,
  });
  const out = resolve(values.out ?? (values.profile ? 'bench/profile.json' : 'bench/results.json'));
  mkdirSync(dirname(out), { recursive: true });
  if (values.profile) return profile(out, Number(values.seconds), Number(values.concurrency));
  const only = (values.only ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = only.filter((n) => !(BENCHES as readonly string[]).includes(n));
  if (unknown.length) {
    process.stderr.write(`bench: unknown bench ${unknown.join(', ')}; known: ${BENCHES.join(', ')}\n`);
    return 2;
  }
  const results = await runBench({ quick: values.quick, only: only as BenchName[], progress: (l) => process.stderr.write(l + '\n') });
  const table = renderTable(rows(results));
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
