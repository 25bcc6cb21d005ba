/**
 * Generated: any provider field may be null (HubSpot's specs allow a null value for any property,
 * `createdate` and `hs_timestamp` included; a Salesforce field can be empty). For every resource of
 * every shipped definition, each field of a real record from the golden fixtures (properties,
 * association ids, timestamps, everything but the record id) is set to null — one at a time, then
 * all at once — and the mapping must give a valid unified record, never mapping_failed.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { mapRecord } from '../../src/engine/response.js';
import { createExpressionCompiler, loadRegistry } from '../../src/integrations/index.js';
import { UNIFIED_RESOURCES } from '../../src/unified/models.js';

const GOLDEN = new URL('../fixtures/golden/', import.meta.url).pathname;
const registry = loadRegistry();

/** Every leaf path of a provider record (except its top-level id): each field the provider sent. */
function leafPaths(o: unknown, at: string[] = []): string[][] {
  if (Array.isArray(o)) return o.flatMap((x, i) => leafPaths(x, [...at, String(i)]));
  if (o && typeof o === 'object') return Object.entries(o).flatMap(([k, v]) => (at.length === 0 && /^(id|Id)$/.test(k) ? [] : leafPaths(v, [...at, k])));
  return at.length ? [at] : [];
}

function setPath(o: Record<string, unknown>, path: string[], value: unknown): Record<string, unknown> {
  const copy = structuredClone(o);
  let cur: Record<string, unknown> = copy;
  for (const k of path.slice(0, -1)) {
    cur = cur[k] as Record<string, unknown>;
  }
  cur[path.at(-1)!] = value;
  return copy;
}

for (const def of registry.list()) {
  describe(`null-safe mappings: ${def.name}`, () => {
    const compiler = createExpressionCompiler();
    compiler.trust(def);
    for (const r of UNIFIED_RESOURCES) {
      const res = def.resources[r];
      if (!res) continue;
      it(`${r}: every mapped field null, one at a time and all together, still maps`, async () => {
        const golden = JSON.parse(readFileSync(`${GOLDEN}${def.name}/${r}.get.input.json`, 'utf8')) as { responses: Array<{ body: Record<string, unknown> }> };
        const body = golden.responses[0]!.body;
        // A get answered by a query (Salesforce deals) holds the record where its `record` says.
        const real = (res.get?.record ? await compiler.evaluate(res.get.record, body, { vars: def.vars }, 'record', def.functions) : body) as Record<string, unknown>;
        const paths = leafPaths(real);
        expect(paths.length).toBeGreaterThan(4);
        const variants = [...paths.map((p) => setPath(real, p, null)), paths.reduce((o, p) => setPath(o, p, null), real)];
        for (const raw of variants) {
          const rec = await mapRecord(def, compiler, r, res, raw, {});
          expect(rec.id, JSON.stringify(raw)).toBe(String(real.id ?? real.Id));
        }
      });
    }
  });
}
