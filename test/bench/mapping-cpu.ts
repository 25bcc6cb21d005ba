/**
 * Microbench (not part of the suite, not run by `npm run bench`): the CPU cost of mapping one
 * 100-record HubSpot page with the shipped `contacts.mapping` through the engine's compiler
 * (`createExpressionCompiler().evaluateFast`, i.e. the compiled fast path), warm.
 *
 *   node --import tsx test/bench/mapping-cpu.ts [rounds=9] [pagesPerRound=4000]
 *
 * Prints µs per 100 records for each round and their median. Runs a few seconds of one core;
 * compare figures only from the same machine and load.
 */
import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { createExpressionCompiler, NOT_FAST } from '../../src/integrations/expressions.js';

const ROOT = new URL('../../', import.meta.url);
const def = JSON.parse(readFileSync(new URL('integrations/hubspot.json', ROOT), 'utf8')) as { vars?: Record<string, unknown>; resources: { contacts: { mapping: string } } };
const rounds = Number(process.argv[2] ?? 9);
const pages = Number(process.argv[3] ?? 4000);

const at = '2025-01-10T13:00:00.283Z';
const raws = Array.from({ length: 100 }, (_, i) => ({
  id: String(100001 + i),
  properties: {
    createdate: i % 10 === 0 ? '1736514000283' : at,
    email: `a${i}@example.com`,
    firstname: 'Ken',
    hs_object_id: String(100001 + i),
    jobtitle: 'CTO',
    lastmodifieddate: at,
    lastname: 'Clarke',
    phone: i % 3 === 0 ? '' : '+1 555 1000',
    hubspot_owner_id: '502',
    associatedcompanyid: i % 4 === 0 ? null : '200001',
    mobilephone: i % 5 === 0 ? '+1 555 2000' : null,
  },
  createdAt: at,
  updatedAt: at,
  archived: false,
}));

const compiler = createExpressionCompiler();
const expr = def.resources.contacts.mapping;
const bindings = { vars: def.vars ?? {} };
let mapped: unknown[] = [];
const page = (): void => {
  mapped = raws.map((r) => compiler.evaluateFast(expr, r, bindings, 'bench'));
};

page();
if (mapped.some((m) => m === NOT_FAST)) throw new Error('the mapping did not run on the fast path');
const reference = await Promise.all(raws.map((r) => compiler.evaluate(expr, r, bindings, 'bench')));
const off = createExpressionCompiler({ fastPath: false });
const interpreted = await Promise.all(raws.map((r) => off.evaluate(expr, r, bindings, 'bench')));
await off.close();
if (!isDeepStrictEqual(JSON.parse(JSON.stringify(reference)), JSON.parse(JSON.stringify(interpreted)))) throw new Error('fast path and interpreter disagree');

for (let i = 0; i < 2000; i++) page();
const perRound: number[] = [];
for (let r = 0; r < rounds; r++) {
  const t0 = performance.now();
  for (let i = 0; i < pages; i++) page();
  perRound.push(((performance.now() - t0) / pages) * 1000);
}
const sorted = [...perRound].sort((a, b) => a - b);
console.log(`rounds (µs/100 records): ${perRound.map((x) => x.toFixed(1)).join(' ')}`);
console.log(`median: ${sorted[Math.floor(sorted.length / 2)]!.toFixed(1)} µs / 100 records`);
await compiler.close();
