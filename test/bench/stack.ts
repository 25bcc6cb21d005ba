/**
 * What the HTTP benches run against, each in its own process: the provider fake, `crm-mcp serve`
 * on it, and the two floors answering with crm-mcp's own answers (captured once, so the floors
 * send the same bytes): a bare node:http server, a bare v2 SDK server, and the same SDK server
 * whose tools first GET from the provider what crm-mcp fetches for that call. Plus the targets the
 * comparison measures: crm-mcp (2025-era, and 2026-07-28 when its probe says it serves that era),
 * the SDK floor and the SDK floor + provider in both eras, the http floor, and the provider called
 * directly.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CallToolResult } from '@modelcontextprotocol/server';
import type { Agent } from 'undici';
import { ROOT } from '../helpers/dist.js';
import type { SdkLine, Target } from './compare.js';
import { PAGE } from './compare.js';
import { startCrmServe, type CrmServe } from './crm-serve.js';
import type { FloorPayload } from './floor-child.js';
import { framingOf, httpCall, parseReply, pool, post, recordsIn, servesModernEra, toolCall, type Era, type McpTarget } from './load.js';
import { PROBE_FLAGS } from './probe.js';
import { startProc, type Proc } from './procs.js';
import { startProvider, type Provider } from './provider.js';
import { selfScript } from './spawn.js';

export interface BenchStack {
  provider: Provider;
  serve: CrmServe;
  floors: { http: Proc; sdk: Proc; sdkProvider: Proc; sdk1?: Proc };
  /** The SDK line crm-mcp is built on (its package.json dependencies). */
  productLine: SdkLine;
  targets: Target[];
  /** Whether crm-mcp and the SDK floor answered a 2026-07-28 `server/discover`. */
  eras: { crm: Era[]; sdk: Era[] };
  /** How each MCP target frames a tools/call answer (target name → json | sse). */
  framing: Record<string, 'json' | 'sse'>;
  /** The 100 raw provider records of the page list_contacts maps. */
  rawPage(): Promise<unknown[]>;
  close(): Promise<void>;
}

export async function startBenchStack(): Promise<BenchStack> {
  const closers: Array<() => Promise<unknown>> = [];
  const close = async () => {
    for (const c of closers.reverse()) await c().catch(() => {});
  };
  try {
    const provider = await startProvider();
    closers.push(() => provider.close());
    const serve = await startCrmServe(provider);
    closers.push(() => serve.close());
    const agent = () => {
      const a = pool();
      closers.push(() => a.close());
      return a;
    };
    const crm = (era: Era): McpTarget => ({ url: serve.url, token: serve.mcpToken, era, dispatcher: agent() });

    // One answer of each kind from crm-mcp: the floors send these bytes back.
    const capture = async (tool: string, args: Record<string, unknown>) => {
      const r = await post(crm('2025-11-25'), 'tools/call', { name: tool, arguments: args }, tool);
      const result = parseReply(r.contentType, r.text).result as CallToolResult | undefined;
      if (r.status !== 200 || !result || result.isError) throw new Error(`crm-mcp ${tool} failed: HTTP ${r.status} ${r.text.slice(0, 300)}`);
      return { body: r.text, contentType: r.contentType, result };
    };
    const list = await capture('list_contacts', { limit: PAGE });
    const structured = list.result.structuredContent as Record<string, unknown> | undefined;
    if (recordsIn(structured) !== PAGE) throw new Error(`crm-mcp list_contacts returned ${recordsIn(structured)} records, not ${PAGE}`);
    const contactId = String((structured?.contacts as Array<{ id: string }> | undefined)?.[0]?.id);
    // What crm-mcp asks the provider for, per call: the 'direct' target and the SDK floor + provider send the same GETs.
    const props = `properties=${encodeURIComponent(serve.contactFields.join(','))}`;
    const direct = { authorization: `Bearer ${provider.grant.accessToken}`, accept: 'application/json' };
    const providerGets = {
      list: { url: `${provider.url}/crm/v3/objects/contacts?limit=${PAGE}&${props}`, headers: direct },
      get: { url: `${provider.url}/crm/v3/objects/contacts/${encodeURIComponent(contactId)}?${props}`, headers: direct },
    };
    const payload: FloorPayload = { list, get: await capture('get_contact', { id: contactId }), provider: providerGets };
    const dir = mkdtempSync(join(tmpdir(), 'crm-mcp-bench-floor-'));
    closers.push(async () => rmSync(dir, { recursive: true, force: true }));
    const payloadFile = join(dir, 'payload.json');
    writeFileSync(payloadFile, JSON.stringify(payload));
    const floor = async (kind: 'http' | 'sdk' | 'sdk-provider' | 'sdk1') => {
      const { command, args } = selfScript(import.meta.url, 'floor-child', [...PROBE_FLAGS]);
      const p = await startProc(`${kind} floor`, command, [...args, kind, payloadFile], { readyKey: 'ready' });
      closers.push(() => p.close());
      return p;
    };
    const floors = { http: await floor('http'), sdk: await floor('sdk'), sdkProvider: await floor('sdk-provider'), ...(existsSync(join(ROOT, 'node_modules/@modelcontextprotocol/sdk/package.json')) ? { sdk1: await floor('sdk1') } : {}) };
    const sdkUrl = `${String(floors.sdk.ready.url)}/mcp`;
    const sdkProviderUrl = `${String(floors.sdkProvider.ready.url)}/mcp`;
    const eras = {
      crm: ['2025-11-25', ...((await servesModernEra({ url: serve.url, token: serve.mcpToken, dispatcher: agent() })) ? ['2026-07-28' as const] : [])] as Era[],
      sdk: ['2025-11-25', ...((await servesModernEra({ url: sdkUrl, dispatcher: agent() })) ? ['2026-07-28' as const] : [])] as Era[],
    };

    const httpUrl = String(floors.http.ready.url);
    const countRpc = (text: string, contentType: string) => recordsIn(parseReply(contentType, text).result?.structuredContent);
    const httpAgent = agent();
    const directAgent = agent();
    const mcpTargets: Array<[string, McpTarget]> = [];
    const targets: Target[] = [
      { name: 'node:http floor', role: 'http', probe: floors.http.probe, calls: {
        list: httpCall(`${httpUrl}/list`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}', dispatcher: httpAgent, count: countRpc }),
        get: httpCall(`${httpUrl}/get`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}', dispatcher: httpAgent, count: countRpc }),
      } },
      ...eras.sdk.map((era): Target => {
        const t = { url: sdkUrl, era, dispatcher: agent() };
        mcpTargets.push([`SDK v2 floor, ${era}`, t]);
        return { name: `SDK v2 floor, ${era}`, role: 'sdk', line: 'v2', era, probe: floors.sdk.probe, calls: { list: toolCall(t, 'list_contacts', { limit: PAGE }), get: toolCall(t, 'get_contact', { id: contactId }) } };
      }),
      ...eras.sdk.map((era): Target => {
        const t = { url: sdkProviderUrl, era, dispatcher: agent() };
        mcpTargets.push([`SDK v2 floor + provider, ${era}`, t]);
        return { name: `SDK v2 floor + provider, ${era}`, role: 'sdk_provider', line: 'v2', era, probe: floors.sdkProvider.probe, calls: { list: toolCall(t, 'list_contacts', { limit: PAGE }), get: toolCall(t, 'get_contact', { id: contactId }) } };
      }),
      ...(floors.sdk1 ? [sdk1Target(floors.sdk1, agent(), contactId)] : []),
      ...eras.crm.map((era): Target => {
        const t = crm(era);
        mcpTargets.push([`crm-mcp serve, ${era}`, t]);
        return { name: `crm-mcp serve, ${era}`, role: 'crm', era, probe: serve.proc.probe, calls: { list: toolCall(t, 'list_contacts', { limit: PAGE }), get: toolCall(t, 'get_contact', { id: contactId }) } };
      }),
      { name: 'provider fake, direct', role: 'direct', probe: provider.proc.probe, calls: {
        list: httpCall(providerGets.list.url, { method: 'GET', headers: direct, dispatcher: directAgent, count: (text) => ((JSON.parse(text) as { results?: unknown[] }).results ?? []).length }),
        get: httpCall(providerGets.get.url, { method: 'GET', headers: direct, dispatcher: directAgent, count: (text) => ((JSON.parse(text) as { id?: string }).id === contactId ? 1 : 0) }),
      } },
    ];
    if (floors.sdk1) mcpTargets.push([targets.find((t) => t.line === 'v1')!.name, { url: `${String(floors.sdk1.ready.url)}/mcp`, era: '2025-11-25', dispatcher: agent() }]);
    const framing: BenchStack['framing'] = {};
    for (const [name, t] of mcpTargets) framing[name] = await framingOf(t, 'list_contacts', { limit: PAGE });
    const rawPage = async () => {
      const res = await fetch(providerGets.list.url, { headers: direct });
      const body = (await res.json()) as { results?: unknown[] };
      if (body.results?.length !== PAGE) throw new Error('the provider fake did not return a full page');
      return body.results;
    };
    return { provider, serve, floors, productLine: productLine(), targets, eras, framing, rawPage, close };
  } catch (e) {
    await close();
    throw e;
  }
}

function sdk1Target(p: Proc, dispatcher: Agent, contactId: string): Target {
  const t: McpTarget = { url: `${String(p.ready.url)}/mcp`, era: '2025-11-25', dispatcher };
  return { name: 'SDK 1.x floor, 2025-11-25', role: 'sdk', line: 'v1', era: t.era, probe: p.probe, calls: { list: toolCall(t, 'list_contacts', { limit: PAGE }), get: toolCall(t, 'get_contact', { id: contactId }) } };
}

function productLine(): SdkLine {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
  return pkg.dependencies?.['@modelcontextprotocol/server'] ? 'v2' : 'v1';
}
