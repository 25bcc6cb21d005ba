/**
 * Added latency per tool call: `tools/call list_contacts` (100-record page) over Streamable
 * HTTP vs a direct undici request for the same page from the sandbox, at concurrency 1 and 32
 * — and where the time goes, each piece of the MCP path timed on its own in-process.
 */
import { decideAccess } from '../http/auth.js';
import { createExpressionCompiler } from '../integrations/index.js';
import { mapRecord } from '../engine/response.js';
import { createServer } from '../mcp/server.js';
import { ACCOUNT_ID, PAGE, type BenchStack } from './stack.js';
import { median, round, summarize, timeConcurrent, timeEach, type Summary } from './stats.js';

export interface SideBySide {
  concurrency: number;
  mcp: Summary;
  direct: Summary;
  added_p50_ms: number;
  added_p99_ms: number;
}

export interface Breakdown {
  /** Median ms of each piece, timed alone at concurrency 1. */
  provider_request_ms: number;
  http_auth_ms: number;
  account_reload_ms: number;
  token_lookup_ms: number;
  mcp_server_build_ms: number;
  mapping_jsonata_and_schema_ms: number;
  engine_execute_ms: number;
  engine_other_ms: number;
  /** MCP-over-HTTP p50 − engine − auth − account reload − server build: SDK JSON-RPC, zod input/output validation, JSON and HTTP. */
  sdk_framing_http_residual_ms: number;
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
  const end = performance.now() + (o.quick ? 1_500 : 20_000);
  for (let i = 0; i < n1 && (i < (o.quick ? 5 : 30) || performance.now() < end); i++) {
    direct1.push(...(await timeEach(1, () => expectPage(stack.directPage()))));
    mcp1.push(...(await timeEach(1, () => expectPage(stack.callListContacts()))));
  }
  const budget = o.quick ? 1_500 : 15_000;
  const direct32 = await timeConcurrent(n32, 32, () => expectPage(stack.directPage()), budget);
  const mcp32 = await timeConcurrent(n32, 32, () => expectPage(stack.callListContacts()), budget);
  const c1 = sideBySide(1, mcp1, direct1);
  const c32 = sideBySide(32, mcp32, direct32);
  return { c1, c32, breakdown: await breakdown(stack, c1, o.quick ? 15 : 150) };
}

async function expectPage(p: Promise<number>): Promise<void> {
  const n = await p;
  if (n !== PAGE) throw new Error(`expected a ${PAGE}-record page, got ${n}`);
}

function sideBySide(concurrency: number, mcp: number[], direct: number[]): SideBySide {
  const m = summarize(mcp);
  const d = summarize(direct);
  return { concurrency, mcp: m, direct: d, added_p50_ms: round(m.p50 - d.p50), added_p99_ms: round(m.p99 - d.p99) };
}

async function breakdown(stack: BenchStack, c1: SideBySide, n: number): Promise<Breakdown> {
  const { rt, deps, accessTokens, account } = stack;
  const headers = { authorization: `Bearer ${stack.mcpToken}` };
  const auth = { mode: 'tokens' as const, tokens: accessTokens };
  const med = async (fn: () => Promise<unknown> | unknown) => {
    await timeEach(5, fn);
    return round(median(await timeEach(n, fn, { budgetMs: n < 100 ? 300 : 4_000, minRuns: n < 100 ? 5 : 15 })));
  };
  const http_auth_ms = await med(() => decideAccess(auth, stack.store.accounts, headers, ACCOUNT_ID));
  const account_reload_ms = await med(() => stack.store.accounts.get(ACCOUNT_ID));
  const token_lookup_ms = await med(() => stack.tokens.getAccessToken(ACCOUNT_ID));
  const mcp_server_build_ms = await med(() => createServer({ account, engine: rt.engine, deps, crmName: 'HubSpot' }));
  const engine_execute_ms = await med(async () => {
    const r = await rt.engine.execute({ account, resource: 'contacts', method: 'list', limit: PAGE });
    if (!r.ok) throw new Error(`engine list failed: ${r.error.message}`);
  });
  // The mapping alone, as the engine runs it: one JSONata evaluation + record schema per record.
  const def = stack.registry.get('hubspot');
  const resource = def.resources.contacts!;
  const compiler = createExpressionCompiler({ timeoutMs: 250, maxDepth: 300 });
  const raws = await rawPage(stack);
  const mapping_jsonata_and_schema_ms = await med(async () => {
    for (const raw of raws) await mapRecord(def, compiler, 'contacts', resource, raw, { includeRemoteData: false });
  });
  const provider_request_ms = c1.direct.p50;
  const engine_other_ms = round(engine_execute_ms - provider_request_ms - token_lookup_ms - mapping_jsonata_and_schema_ms);
  const sdk_framing_http_residual_ms = round(c1.mcp.p50 - engine_execute_ms - http_auth_ms - account_reload_ms - mcp_server_build_ms);
  return { provider_request_ms, http_auth_ms, account_reload_ms, token_lookup_ms, mcp_server_build_ms, mapping_jsonata_and_schema_ms, engine_execute_ms, engine_other_ms, sdk_framing_http_residual_ms };
}

/** One raw 100-record page from the sandbox, as the provider sends it. */
export async function rawPage(stack: BenchStack): Promise<unknown[]> {
  const token = (await stack.tokens.getAccessToken(ACCOUNT_ID)).accessToken;
  const res = await fetch(stack.providerPageUrl, { headers: { authorization: `Bearer ${token}` } });
  const body = (await res.json()) as { results?: unknown[] };
  if (!body.results || body.results.length !== PAGE) throw new Error('sandbox did not return a full page');
  return body.results;
}
