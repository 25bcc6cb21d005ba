/**
 * Adversarial: oversized and deeply nested arguments, for every tool, over Streamable HTTP
 * (`serveHttp`, bearer token, the real engine and token manager against the HubSpot fake). Each
 * attack must end as a tool error or an HTTP 4xx — never a crash, a hang, a stack trace or a
 * secret — and the server must keep serving afterwards. Tools are taken from tools/list, so a new
 * tool is covered without editing this file.
 */
import type { Tool } from '@modelcontextprotocol/client';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccessTokenStore } from '../../src/access-tokens/store.js';
import { serveHttp, type Serving } from '../../src/app/serve-http.js';
import { openRuntime } from '../../src/cli/open.js';
import type { McpRuntime } from '../../src/mcp/runtime.js';
import { ACCOUNT_IDS, startSandboxCrms, TENANTS, type SandboxCrms } from '../mcp/helpers/sandbox-crms.js';
import { validArgs } from '../mcp/helpers/valid-args.js';

let crms: SandboxCrms;
let rt: McpRuntime;
let serving: Serving;
let token: string;
let tools: Tool[];
let VALID: Record<string, Record<string, unknown>>;
const agent = new Agent({ connections: 8 });
const logs: string[] = [];

beforeAll(async () => {
  crms = await startSandboxCrms({ hubspot: { rateLimit: { max: 1_000_000 } } });
  const { env } = await crms.seedStore();
  rt = await openRuntime({ logLevel: 'debug' }, { stdout: () => {}, stderr: (l) => logs.push(l), env, stdoutIsTty: false });
  token = (await createAccessTokenStore({ kv: rt.kv, clock: rt.deps.clock, random: rt.deps.random }).create({ tenantId: TENANTS.hubspot, accountId: ACCOUNT_IDS.hubspot })).token;
  serving = await serveHttp(rt, { port: 0 });
  tools = ((await rpc({ jsonrpc: '2.0', id: 1, method: 'tools/list' })).json as { result: { tools: Tool[] } }).result.tools;
  const first = (m: Map<string, unknown>) => [...m.keys()][0]!;
  const r = crms.sb.hubspot.store.records;
  VALID = validArgs({ contact: first(r.contacts), company: first(r.companies), deal: first(r.deals) });
}, 60_000);
afterAll(async () => {
  await serving?.close();
  await rt?.close();
  await crms?.close();
  await agent.close();
});

async function rpc(body: unknown, raw?: string): Promise<{ status: number; text: string; json: unknown }> {
  const res = await request(`${serving.http.url}/mcp`, {
    method: 'POST',
    dispatcher: agent,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: raw ?? JSON.stringify(body),
  });
  const text = await res.body.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.statusCode, text, json };
}

const call = (name: string, args: unknown) => rpc({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name, arguments: args } });

/** The attack was turned away: an HTTP 4xx, a JSON-RPC error, or a tool error; nothing leaked. */
function refused(r: { status: number; text: string; json: unknown }, label: string) {
  const rpcError = (r.json as { error?: unknown } | undefined)?.error;
  const toolError = (r.json as { result?: { isError?: boolean } } | undefined)?.result?.isError === true;
  expect(r.status >= 400 || rpcError !== undefined || toolError, `${label}: ${r.status} ${r.text.slice(0, 300)}`).toBe(true);
  expect(r.status, label).toBeLessThan(500);
  expect(r.text, label).not.toMatch(/\n\s+at .+\(|node_modules|\.ts:\d+/);
  for (const s of crms.secrets) expect(r.text, label).not.toContain(s);
}

async function stillServing() {
  const r = await call('list_contacts', { limit: 1 });
  expect((r.json as { result?: { isError?: boolean } }).result?.isError, r.text.slice(0, 200)).toBeFalsy();
}

/** A tools/call whose argument `prop` is `{"n":{"n":…}}` nested `depth` levels, as JSON text (too deep to stringify). */
function deepCall(name: string, args: Record<string, unknown>, prop: string, depth: number) {
  const body = JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name, arguments: { ...args, [prop]: '@DEEP@' } } });
  return rpc(undefined, body.replace('"@DEEP@"', '{"n":'.repeat(depth) + '"leaf"' + '}'.repeat(depth)));
}

describe('every tool, oversized and deeply nested', () => {
  it('a 1 MB string in each string argument is refused', async () => {
    let checked = 0;
    for (const t of tools) {
      for (const [prop, schema] of Object.entries(t.inputSchema.properties ?? {}) as Array<[string, { type?: string }]>) {
        if (schema.type !== 'string') continue;
        refused(await call(t.name, { ...VALID[t.name], [prop]: 'x'.repeat(1_000_000) }), `${t.name}.${prop}`);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(20);
    await stillServing();
  }, 60_000);

  it('arrays of 100,000 items and objects of 100,000 keys are refused', async () => {
    for (const t of tools) {
      for (const [prop, schema] of Object.entries(t.inputSchema.properties ?? {}) as Array<[string, { type?: string }]>) {
        if (schema.type === 'array') refused(await call(t.name, { ...VALID[t.name], [prop]: Array.from({ length: 100_000 }, () => ({ value: 'a@b.c' })) }), `${t.name}.${prop}[]`);
        if (schema.type === 'object') refused(await call(t.name, { ...VALID[t.name], [prop]: Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`k${i}`, i])) }), `${t.name}.${prop}{}`);
      }
    }
    await stillServing();
  }, 60_000);

  it('a value nested 5,000 levels deep, in every argument and as an unknown one, is refused', async () => {
    for (const t of tools) {
      refused(await deepCall(t.name, VALID[t.name]!, 'deep_unknown', 5_000), `${t.name} unknown`);
      for (const prop of Object.keys(t.inputSchema.properties ?? {})) refused(await deepCall(t.name, VALID[t.name]!, prop, 5_000), `${t.name}.${prop}`);
    }
    await stillServing();
  }, 60_000);

  it('arguments nested past the JSON parser (200,000 levels of arrays), a 6 MB body and garbage are refused at the door', async () => {
    const deepRaw = `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"list_contacts","arguments":{"limit":${'['.repeat(200_000)}${']'.repeat(200_000)}}}}`;
    refused(await rpc(undefined, deepRaw), 'deep raw');
    refused(await rpc(undefined, JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'log_note', arguments: { body: 'y'.repeat(6 * 1024 * 1024) } } })), '6 MB body');
    refused(await rpc(undefined, '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":'), 'truncated');
    refused(await rpc(undefined, '\u0000\u0001\u0002'), 'binary');
    refused(await rpc({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'list_contacts', arguments: { __proto__: { limit: 5 }, constructor: { prototype: { polluted: true } } } } }), 'prototype keys');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    await stillServing();
  }, 60_000);

  it('nothing above was logged with a secret or reached the provider with an oversized value', () => {
    const all = logs.join('');
    for (const s of crms.secrets) expect(all).not.toContain(s);
    expect(all).not.toContain('x'.repeat(1000));
  });
});
