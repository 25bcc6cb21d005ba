/**
 * JSONata mapping cost for a 100-record page: the real `contacts.mapping` of
 * integrations/hubspot.json evaluated per record by the reference interpreter and by the
 * engine's compiler (which runs it through the compiled fast path), vs the same mapping
 * hand-written in TypeScript (all checked to give identical output), and the full per-record
 * step the engine runs (mapping + unified record schema).
 */
import { isDeepStrictEqual } from 'node:util';
import { mapRecord } from '../../src/engine/response.js';
import { createExpressionCompiler, type IntegrationRegistry } from '../../src/integrations/index.js';
import { median, round, timeEach } from './stats.js';

export interface JsonataResult {
  records: number;
  /** The reference jsonata interpreter. */
  jsonata_ms: number;
  /** The engine's compiler: the compiled fast path for this subset of JSONata. */
  fast_path_ms: number;
  plain_ts_ms: number;
  ratio: number;
  engine_map_step_ms: number;
  outputs_identical: boolean;
}

type Raw = { id: string; createdAt?: string; updatedAt?: string; properties: Record<string, string | null | undefined> };

const when = (v: string | null | undefined) => (v ? v : null);
const stamp = (v: string | null | undefined, fallback: string | undefined) =>
  v !== undefined && v !== null && v !== '' ? (v.includes('-') ? v : new Date(Number(v)).toISOString()) : fallback;

/** integrations/hubspot.json `resources.contacts.mapping`, in TypeScript. */
export function mapContactTs(r: Raw): Record<string, unknown> {
  const p = r.properties;
  const out: Record<string, unknown> = { id: r.id };
  if (p.firstname !== undefined) out.first_name = p.firstname;
  if (p.lastname !== undefined) out.last_name = p.lastname;
  out.emails = p.email ? [{ value: p.email, type: 'work', primary: true }] : [];
  const phones = [];
  if (p.phone) phones.push({ value: p.phone, type: 'work' });
  if (p.mobilephone) phones.push({ value: p.mobilephone, type: 'mobile' });
  out.phones = phones;
  if (p.jobtitle !== undefined) out.title = p.jobtitle;
  out.owner_id = when(p.hubspot_owner_id);
  out.company_id = when(p.associatedcompanyid);
  const created = stamp(p.createdate, r.createdAt);
  if (created !== undefined) out.created_at = created;
  const updated = stamp(p.lastmodifieddate, r.updatedAt);
  if (updated !== undefined) out.updated_at = updated;
  return out;
}

export async function benchJsonata(registry: IntegrationRegistry, raws: unknown[], o: { quick: boolean }): Promise<JsonataResult> {
  const n = o.quick ? 20 : 300;
  const def = registry.get('hubspot');
  const resource = def.resources.contacts!;
  const compiler = createExpressionCompiler({ maxDepth: 300 });
  const interpreter = createExpressionCompiler({ maxDepth: 300, fastPath: false });
  compiler.trust(def);
  interpreter.trust(def);
  const mapAll = (c: typeof compiler) => async () => {
    const out = [];
    for (const raw of raws) out.push(await c.evaluate(resource.mapping, raw, { vars: def.vars }, 'bench contacts.mapping'));
    return out;
  };
  const viaJsonata = mapAll(interpreter);
  const viaFast = mapAll(compiler);
  const viaTs = () => raws.map((r) => mapContactTs(r as Raw));
  // JSONata builds its results with non-plain prototypes/sequences; compare as JSON.
  const asJson = (v: unknown) => JSON.parse(JSON.stringify(v)) as unknown;
  const ts = asJson(viaTs());
  const outputs_identical = isDeepStrictEqual(asJson(await viaJsonata()), ts) && isDeepStrictEqual(asJson(await viaFast()), ts);
  await timeEach(10, viaJsonata);
  await timeEach(10, viaFast);
  await timeEach(10, viaTs);
  const budget = { budgetMs: o.quick ? 500 : 6_000, minRuns: 15 };
  const jsonata_ms = median(await timeEach(n, viaJsonata, budget));
  const fast_path_ms = median(await timeEach(n * 10, viaFast, budget));
  const plain_ts_ms = median(await timeEach(n * 10, viaTs, budget));
  const engine_map_step_ms = median(await timeEach(n, async () => {
    for (const raw of raws) await mapRecord(def, compiler, 'contacts', resource, raw, { includeRemoteData: false });
  }, budget));
  return { records: raws.length, jsonata_ms: round(jsonata_ms), fast_path_ms: round(fast_path_ms, 4), plain_ts_ms: round(plain_ts_ms, 4), ratio: round(jsonata_ms / plain_ts_ms, 0), engine_map_step_ms: round(engine_map_step_ms), outputs_identical };
}
