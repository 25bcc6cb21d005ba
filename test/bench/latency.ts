/**
 * Added latency per tool call: `tools/call list_contacts` (100-record page) over Streamable
 * HTTP vs a direct undici request for the same page from the sandbox, at concurrency 1 and 32
 * — and where the time goes, each piece of the MCP path timed on its own in-process.
 */
import { decideAccess } from '../../src/http/auth.js';
import { createExpressionCompiler } from '../../src/integrations/index.js';
import { mapRecord } from '../../src/engine/response.js';
import { successResult } from '../../src/mcp/results.js';
import { listOutput } from '../../src/mcp/schemas.js';
import { createServer } from '../../src/mcp/server.js';
import { shapeFor } from '../../src/mcp/tools/unified-tool.js';
import { ACCOUNT_ID, PAGE, type BenchStack } from './stack.js';
import { median, round, summarize, timeConcurrent, timeEach, type Failures, type Summary } from './stats.js';

export interface SideBySide {
  concurrency: number;
  mcp: Summary;
  direct: Summary;
  added_p50_ms: number;
  added_p99_ms: number;
  /** Failed calls (excluded from the figures), by error code. */
  failures: Failures;
}

export interface Breakdown {
  /** Median ms of each piece, timed alone at concurrency 1, round-robin with the others. */
  mcp_http_ms: number;
  provider_request_ms: number;
  http_auth_ms: number;
  account_reload_ms: number;
  token_lookup_ms: number;
  mcp_server_build_ms: number;
  mapping_jsonata_and_schema_ms: number;
  engine_execute_ms: number;
  engine_other_ms: number;
  /** successResult(): summary text, the records as JSON text, structuredContent. */
  result_build_ms: number;
  /** The SDK's zod check of structuredContent against the tool's output schema. */
  output_validation_ms: number;
  /** What is left of the MCP call: JSON-RPC framing, input validation, HTTP parsing and JSON (de)serialization on both ends. */
  sdk_framing_http_residual_ms: number;
  rounds: number;
}

export interface LatencyResult {
  c1: SideBySide;
  c32: SideBySide;
  breakdown: Breakdown;
}

export async function benchLatency(stack: BenchStack, o: { quick: boolean }): Promise<LatencyResult> {
  const n1 = o.quick ? 20 : 400;
  const n32 = o.quick ? 32 : 1600;
  await stack.syncToken();
  for (let i = 0; i < (o.quick ? 5 : 60); i++) {
    await stack.callListContacts();
    await stack.directPage();
  }
  // c=1: alternate the two so drift on a shared machine hits both alike.
  const mcp1: number[] = [];
  const direct1: number[] = [];
  const end = performance.now() + (o.quick ? 1_500 : 12_000);
  for (let i = 0; i < n1 && (i < (o.quick ? 5 : 30) || performance.now() < end); i++) {
    direct1.push(...(await timeEach(1, () => expectPage(stack.directPage()))));
    mcp1.push(...(await timeEach(1, () => expectPage(stack.callListContacts()))));
  }
  const budget = o.quick ? 1_500 : 10_000;
  const direct32 = await timeConcurrent(n32, 32, () => expectPage(stack.directPage()), budget);
  const mcp32 = await timeConcurrent(n32, 32, () => expectPage(stack.callListContacts()), budget);
  const c1 = sideBySide(1, mcp1, direct1, {});
  const c32 = sideBySide(32, mcp32.times, direct32.times, { ...mcp32.failures, ...prefixed('direct ', direct32.failures) });
  return { c1, c32, breakdown: await breakdown(stack, o.quick ? 10 : 150) };
}

async function expectPage(p: Promise<number>): Promise<void> {
  const n = await p;
  if (n !== PAGE) throw new Error(`expected a ${PAGE}-record page, got ${n}`);
}

function sideBySide(concurrency: number, mcp: number[], direct: number[], failures: Failures): SideBySide {
  const m = summarize(mcp);
  const d = summarize(direct);
  return { concurrency, mcp: m, direct: d, added_p50_ms: round(m.p50 - d.p50), added_p99_ms: round(m.p99 - d.p99), failures };
}

const prefixed = (p: string, f: Failures): Failures => Object.fromEntries(Object.entries(f).map(([k, v]) => [p + k, v]));

async function breakdown(stack: BenchStack, n: number): Promise<Breakdown> {
  const { rt, deps, accessTokens, account } = stack;
  const headers = { authorization: `Bearer ${stack.mcpToken}` };
  const auth = { mode: 'tokens' as const, tokens: accessTokens };
  const def = stack.registry.get('hubspot');
  const resource = def.resources.contacts!;
  const compiler = createExpressionCompiler({ maxDepth: 300 });
  compiler.trust(def);
  const raws = await rawPage(stack);
  const page = await rt.engine.execute({ account, resource: 'contacts', method: 'list', limit: PAGE });
  if (!page.ok) throw new Error(`engine list failed: ${page.error.message}`);
  const shape = shapeFor('contacts', 'list', 'HubSpot');
  const structured = successResult(shape, page).structuredContent;
  const outputSchema = listOutput('contacts');
  const pieces = {
    mcp_http: () => expectPage(stack.callListContacts()),
    provider_request: () => expectPage(stack.directPage()),
    http_auth: () => decideAccess(auth, stack.store.accounts, headers, ACCOUNT_ID),
    account_reload: () => stack.store.accounts.get(ACCOUNT_ID),
    token_lookup: () => stack.tokens.getAccessToken(account),
    mcp_server_build: () => createServer({ account, engine: rt.engine, deps, crmName: 'HubSpot' }),
    engine_execute: async () => {
      const r = await rt.engine.execute({ account, resource: 'contacts', method: 'list', limit: PAGE });
      if (!r.ok) throw new Error(`engine list failed: ${r.error.message}`);
    },
    // The mapping alone, as the engine runs it: one JSONata evaluation + record schema per record.
    mapping: async () => {
      for (const raw of raws) await mapRecord(def, compiler, 'contacts', resource, raw, { includeRemoteData: false });
    },
    // The tool result (summary text + JSON text + structuredContent) and the SDK's output-schema check of it.
    result_build: () => successResult(shape, page),
    output_validation: () => outputSchema.safeParseAsync(structured),
  };
  // Round-robin, so every piece is timed under the same machine conditions.
  const times = Object.fromEntries(Object.keys(pieces).map((k) => [k, [] as number[]])) as Record<keyof typeof pieces, number[]>;
  const end = performance.now() + (n < 100 ? 1_000 : 8_000);
  for (let i = 0; i < n + 3 && (i < 8 || performance.now() < end); i++) {
    for (const [k, fn] of Object.entries(pieces) as Array<[keyof typeof pieces, () => Promise<unknown>]>) {
      const t = await timeEach(1, fn);
      if (i >= 3) times[k].push(...t);
    }
  }
  const m = (k: keyof typeof pieces) => round(median(times[k]));
  return {
    mcp_http_ms: m('mcp_http'),
    provider_request_ms: m('provider_request'),
    http_auth_ms: m('http_auth'),
    account_reload_ms: m('account_reload'),
    token_lookup_ms: m('token_lookup'),
    mcp_server_build_ms: m('mcp_server_build'),
    mapping_jsonata_and_schema_ms: m('mapping'),
    engine_execute_ms: m('engine_execute'),
    engine_other_ms: round(m('engine_execute') - m('provider_request') - m('token_lookup') - m('mapping')),
    result_build_ms: m('result_build'),
    output_validation_ms: m('output_validation'),
    sdk_framing_http_residual_ms: round(m('mcp_http') - m('engine_execute') - m('http_auth') - m('account_reload') - m('mcp_server_build') - m('result_build') - m('output_validation')),
    rounds: times.mcp_http.length,
  };
}

/** One raw 100-record page from the sandbox, as the provider sends it. */
export async function rawPage(stack: BenchStack): Promise<unknown[]> {
  const token = (await stack.tokens.getAccessToken((await stack.store.accounts.get(ACCOUNT_ID))!)).accessToken;
  const res = await fetch(stack.providerPageUrl, { headers: { authorization: `Bearer ${token}` } });
  const body = (await res.json()) as { results?: unknown[] };
  if (!body.results || body.results.length !== PAGE) throw new Error('sandbox did not return a full page');
  return body.results;
}
