/**
 * Reads vitest's JSON report, prints the closing line ("N passed, N failed, N skipped") and every
 * skipped or todo test grouped by suite with the reason it gives, and exits 1 when a test was
 * skipped without one of the reasons allowed on the command line, or when no test ran.
 *   node .ci/test-report.mjs <report.json> [allowed reason …]
 * A skipped test gives its reason as "[skip: <reason>]" in its own title or an enclosing suite's
 * (test/helpers/redis-server.ts: "[skip: redis-server missing]").
 */
import { readFileSync } from 'node:fs';
import process from 'node:process';

const say = (line) => process.stdout.write(`${line}\n`);

const [reportPath, ...allowed] = process.argv.slice(2);
const r = JSON.parse(readFileSync(reportPath, 'utf8'));
const MARKER = /\[skip: ([^\]]+)\]/;
/** The reason a skipped test gives, and where: the outermost suite (or the test) whose title carries it. */
function reasonOf(t) {
  const path = [...t.ancestorTitles, t.title];
  const at = path.findIndex((s) => MARKER.test(s));
  return at < 0 ? { where: path.join(' > ') } : { reason: MARKER.exec(path[at])[1], where: path.slice(0, at + 1).join(' > ') };
}

const skipped = r.testResults.flatMap((f) => f.assertionResults.filter((t) => t.status !== 'passed' && t.status !== 'failed'));
say(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped.length} skipped`);
const groups = new Map();
for (const t of skipped) {
  const { reason, where } = reasonOf(t);
  const verdict = reason === undefined ? 'no [skip: <reason>]' : allowed.includes(reason) ? `allowed: ${reason}` : `"${reason}" is not an allowed reason here`;
  const key = `${where}${t.status === 'todo' ? ' (todo)' : ''} (${verdict})`;
  groups.set(key, (groups.get(key) ?? 0) + 1);
}
for (const [key, n] of groups) say(`  skipped ${n}: ${key}`);

const refused = skipped.filter((t) => !allowed.includes(reasonOf(t).reason));
if (refused.length > 0) {
  say(`ci: ${refused.length} test(s) skipped without an allowed reason (allowed here: ${allowed.length ? allowed.map((a) => `[skip: ${a}]`).join(', ') : 'none'})`);
  process.exit(1);
}
if (r.numTotalTests === 0) {
  say('ci: no test ran');
  process.exit(1);
}
