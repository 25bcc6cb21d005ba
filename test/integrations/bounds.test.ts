/**
 * Mapping bounded by work, not wall time (src/integrations/bounds.ts, expressions.ts,
 * isolation.ts): load cannot trip a bound, the hostile overrides of issue 13 each fail alone (or,
 * for the regex, cannot hurt at all), and an evaluation that exhausts its worker's memory fails
 * alone while the next one succeeds.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CrmMcpError } from '../../src/core/errors.js';
import { createExpressionCompiler, DEFAULT_INTEGRATIONS_DIR, loadRegistry, parseDefinition } from '../../src/integrations/index.js';

const compilers: Array<{ close(): Promise<void> }> = [];
const compiler = (...a: Parameters<typeof createExpressionCompiler>) => {
  const c = createExpressionCompiler(...a);
  compilers.push(c);
  return c;
};
afterAll(async () => {
  await Promise.all(compilers.map((c) => c.close()));
});

const registry = loadRegistry();
const hubspot = registry.get('hubspot');
const attacker = { id: '1', properties: { firstname: `${'a'.repeat(33)}!`, lastname: 'Doe' } };

/** Keeps the event loop busy: 20 ms of synchronous work every turn until stopped. */
function keepBusy(): () => void {
  let on = true;
  const spin = () => {
    const until = performance.now() + 20;
    while (performance.now() < until) {
      // busy
    }
    if (on) setImmediate(spin);
  };
  setImmediate(spin);
  return () => {
    on = false;
  };
}

const p99 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.99)] ?? NaN;

describe('load cannot trip a bound', () => {
  it('10,000 concurrent evaluations (fast path and interpreter, with bindings) while the process is kept busy: 0 failures, every result right', async () => {
    const c = compiler();
    c.trust(hubspot);
    const slow = compiler({ fastPath: false });
    slow.trust(hubspot);
    const body = hubspot.resources.deals!.create!.body!;
    const input = { name: 'Pilot', amount: 900, stage: 'appointmentscheduled', company_id: '200001', contact_ids: ['100001', '100002'] };
    const stop = keepBusy();
    const started = performance.now();
    const latency: number[] = [];
    const timed = async <T>(p: () => Promise<T>): Promise<T> => {
      const t = performance.now();
      try {
        return await p();
      } finally {
        latency.push(performance.now() - t);
      }
    };
    const results = await Promise.allSettled(
      Array.from({ length: 10_000 }, (_, i) =>
        i % 2 === 0
          ? timed(() => c.evaluate("{'page_size': $limit}", {}, { limit: i }, 'load fast'))
          : timed(() => slow.evaluate(body, input, { input, vars: hubspot.vars }, 'load interpreter', hubspot.functions)),
      ),
    );
    const wall = performance.now() - started;
    stop();
    const failures = results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason));
    expect(failures).toEqual([]);
    results.forEach((r, i) => {
      const v = (r as PromiseFulfilledResult<Record<string, unknown>>).value;
      if (i % 2 === 0) expect(v).toEqual({ page_size: i });
      else expect(v).toMatchObject({ properties: { dealname: 'Pilot', amount: '900', dealstage: 'appointmentscheduled' } });
    });
    console.log(
      `bounds: 10000 concurrent evaluations under load, 0 failures; all submitted at once, done in ${wall.toFixed(0)} ms; ` +
        `per-evaluation time from submission p99 ${p99(latency).toFixed(1)} ms (mostly queueing behind the other evaluations and the 20 ms busy turns)`,
    );
  });
});

describe('the hostile overrides of issue 13, as override programs (isolated)', () => {
  const c = compiler();
  c.trust(hubspot);

  it('the regex cannot backtrack: /^([A-Za-z]+ ?)*$/ on "a"×33 + "!" (and on 200,000 of them) gives the right value', async () => {
    await expect(c.evaluate("$replace(properties.firstname, /^([A-Za-z]+ ?)*$/, 'ok')", attacker, {}, 'regex')).resolves.toBe(attacker.properties.firstname);
    await expect(c.evaluate("$replace(properties.lastname, /^([A-Za-z]+ ?)*$/, 'ok')", attacker, {}, 'regex')).resolves.toBe('ok');
    const long = { properties: { firstname: `${'a'.repeat(200_000)}!` } };
    await expect(c.evaluate("$replace(properties.firstname, /^([A-Za-z]+ ?)*$/, 'ok')", long, {}, 'regex')).resolves.toBe(long.properties.firstname);
  });

  it('$pad(properties.firstname, 200000000) fails alone with mapping_bound before building anything', async () => {
    await expect(c.evaluate('$pad(properties.firstname, 200000000)', attacker, {}, 'resources.contacts.custom_fields.x.expr')).rejects.toMatchObject({
      code: 'mapping_bound',
      message: expect.stringMatching(/resources\.contacts\.custom_fields\.x\.expr: expression exceeded its evaluation bound \(\$pad to 200000000 characters/),
    });
  });

  it('$length($pad(properties.firstname, 200000000)) fails alone with mapping_bound (it used to abort the whole server)', async () => {
    await expect(c.evaluate('$length($pad(properties.firstname, 200000000))', attacker, {}, 'len')).rejects.toMatchObject({ code: 'mapping_bound' });
    await expect(c.evaluate('$length(properties.firstname)', attacker, {}, 'len')).resolves.toBe(34);
  });

  it('other size multipliers: $join, $replace with a long replacement, doubling by concatenation, a huge range', async () => {
    const hostile = [
      "$join([1..20000].$pad('x', 1000))",
      "$replace($pad('a', 100000, 'a'), 'a', $pad('b', 1000, 'b'))",
      "( $d := function($s, $n) { $n = 0 ? $s : $d($s & $s, $n - 1) }; $length($d('x', 40)) )",
      '$count([1..100000000])',
    ];
    for (const e of hostile) await expect(c.evaluate(e, {}, {}, 'size'), e).rejects.toMatchObject({ code: 'mapping_bound' });
  });

  it('loops are stopped by the step budget, not a clock', async () => {
    const small = compiler({ maxSteps: 5_000 });
    await expect(small.evaluate('( $loop := function($n){ $loop($n + 1) }; $loop(0) )', {}, {}, 'loop')).rejects.toMatchObject({ code: 'mapping_bound', message: expect.stringMatching(/more than 5000 evaluation steps/) });
    await expect(small.evaluate('$sum([1..100].($ * 2))', {}, {}, 'ok')).resolves.toBe(10100);
  });

  it('the same expressions in a trusted (definition file) program are bounded in-process the same way', async () => {
    const raw = JSON.parse(readFileSync(join(DEFAULT_INTEGRATIONS_DIR, 'hubspot.json'), 'utf8')) as { resources: { contacts: { custom_fields?: unknown } } };
    raw.resources.contacts.custom_fields = { pad: { expr: '$pad(properties.firstname, 200000000)' } };
    const def = parseDefinition(raw, 'hostile-hubspot.json');
    const t = compiler();
    t.trust(def);
    expect(t.trusted('$pad(properties.firstname, 200000000)', def.functions)).toBe(true);
    await expect(t.evaluate('$pad(properties.firstname, 200000000)', attacker, {}, 'trusted', def.functions)).rejects.toMatchObject({ code: 'mapping_bound' });
  });
});

describe('isolation', () => {
  it('an evaluation that exhausts its worker\'s heap fails with mapping_bound; the worker is replaced and the next evaluation succeeds', async () => {
    const c = compiler({ isolation: { workers: 1, maxOldGenerationSizeMb: 48 } });
    // 3,000 strings of 100,000 characters each: within every per-string bound, far beyond 48 MB.
    await expect(c.evaluate("$count([1..3000].$pad('x', 100000))", {}, {}, 'oom')).rejects.toMatchObject({
      code: 'mapping_bound',
      message: expect.stringMatching(/oom: expression exceeded its evaluation bound \(the evaluation exhausted its memory bound and was stopped\)/),
    });
    await expect(c.evaluate("$join(['still', 'here'], ' ')", {}, {}, 'after')).resolves.toBe('still here');
  });

  it('$error in an expression refuses the caller\'s input (invalid_input → a validation tool error); other failures are mapping_failed', async () => {
    const c = compiler();
    await expect(c.evaluate("$error('pass exactly one id')", {}, {}, 'e')).rejects.toMatchObject({ code: 'invalid_input', message: 'pass exactly one id' });
    await expect(c.evaluate("$number('abc')", {}, {}, 'where.it.is')).rejects.toSatisfy((e: unknown) => e instanceof CrmMcpError && e.code === 'mapping_failed' && e.message.startsWith('where.it.is: D3030'));
  });
});

describe('definition functions', () => {
  it('are callable from every expression of the definition (transitively), and an override may add its own, run isolated', async () => {
    const fns = { cents: 'function($minor, $exp) { $minor / $power(10, $exp) }', amount: "function($o) { $cents($o.value, $o.exp ? $o.exp : 2) }" };
    const c = compiler();
    await expect(c.evaluate("{'amount': $amount(money)}", { money: { value: 12345 } }, {}, 'm', fns)).resolves.toEqual({ amount: 123.45 });
    await expect(c.evaluate('$amount(money)', { money: { value: 5, exp: 1 } }, {}, 'm', fns)).resolves.toBe(0.5);
    // A position in an error counts from the expression, not from the functions placed before it.
    await expect(c.evaluate('$cents(x, 2) + $nope()', { x: 1 }, {}, 'pos', fns)).rejects.toMatchObject({ code: 'mapping_failed', message: 'pos: T1006 Attempted to invoke a non-function at position 21' });
  });
});
