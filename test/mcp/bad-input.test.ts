/**
 * Every tool rejects wrong types, unknown fields and over-limit values with a message naming
 * the field, derived from each tool's own advertised JSON Schema (so a new field is covered
 * automatically); and random argument objects never crash the server or leak a stack or secret.
 * The server runs over the real composition (encrypted store, token manager, engine) against the
 * HubSpot fake, so arguments that pass validation really reach a provider.
 */
import { Client } from '@modelcontextprotocol/client';
import { InMemoryTransport } from '@modelcontextprotocol/client';
import type { CallToolResult, Tool } from '@modelcontextprotocol/client';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { McpRuntime } from '../../src/mcp/runtime.js';
import { openRuntime } from '../../src/cli/open.js';
import { createServer } from '../../src/mcp/server.js';
import { ACCOUNT_IDS, startSandboxCrms, type SandboxCrms } from './helpers/sandbox-crms.js';
import { validArgs } from './helpers/valid-args.js';

interface PropSchema {
  type?: string | string[];
  maxLength?: number;
  maximum?: number;
  maxItems?: number;
  items?: PropSchema;
  anyOf?: PropSchema[];
}

let client: Client;
let tools: Tool[];
let crms: SandboxCrms;
let rt: McpRuntime;
let VALID_ARGS: Record<string, Record<string, unknown>>;
const logs: string[] = [];

beforeAll(async () => {
  // A limit the property test cannot exhaust: throttled answers would only hide the validation under test.
  crms = await startSandboxCrms({ hubspot: { rateLimit: { max: 1_000_000 } } });
  const { env } = await crms.seedStore();
  rt = await openRuntime({ logLevel: 'debug' }, { stdout: () => {}, stderr: (l) => logs.push(l), env, stdoutIsTty: false });
  const account = (await rt.accounts.get(ACCOUNT_IDS.hubspot))!;
  const built = await createServer({ account, engine: rt.engine, deps: rt.deps, loadAccount: () => rt.accounts.get(account.id) });
  const [a, b] = InMemoryTransport.createLinkedPair();
  client = new Client({ name: 'bad-input', version: '1' });
  await built.server.connect(a);
  await client.connect(b);
  tools = (await client.listTools()).tools;
  const first = (m: Map<string, unknown>) => [...m.keys()][0]!;
  const r = crms.sb.hubspot.store.records;
  VALID_ARGS = validArgs({ contact: first(r.contacts), company: first(r.companies), deal: first(r.deals) });
});
afterAll(async () => {
  await client?.close();
  await rt?.close();
  await crms?.close();
});

async function callRaw(name: string, args: unknown): Promise<CallToolResult> {
  // Bypass the client's output validation: only the server's behaviour is under test.
  return (await client.request({ method: 'tools/call', params: { name, arguments: args as Record<string, unknown> } })) as CallToolResult;
}

const text = (r: CallToolResult) => (r.content as Array<{ text?: string }>).map((c) => c.text ?? '').join('\n');

function wrongTypeValue(s: PropSchema): unknown {
  // A union (e.g. an id: string or whole number) is given a type none of its branches takes.
  if (s.anyOf) return s.anyOf.some((b) => b.type === 'boolean') ? ['not', 'any'] : true;
  const t = Array.isArray(s.type) ? s.type[0] : s.type;
  switch (t) {
    case 'string':
      return 42;
    case 'number':
    case 'integer':
      return 'not-a-number';
    case 'boolean':
      return 'yes';
    case 'array':
      return 'not-an-array';
    case 'object':
      return ['not', 'an', 'object'];
    default:
      return Symbol.for('unreachable');
  }
}

function overLimitValue(s: PropSchema): unknown {
  const str = s.anyOf?.find((b) => b.type === 'string');
  if (str?.maxLength !== undefined) return 'x'.repeat(str.maxLength + 1);
  if (s.maxLength !== undefined) return 'x'.repeat(s.maxLength + 1);
  if (s.maximum !== undefined) return s.maximum + 1;
  if (s.maxItems !== undefined) return Array.from({ length: s.maxItems + 1 }, () => (s.items?.type === 'object' ? { value: 'a@b.c' } : 'x'));
  return undefined;
}

describe('bad input', () => {
  it('every tool has a valid-argument fixture and accepts it', async () => {
    expect(Object.keys(VALID_ARGS).sort()).toEqual(tools.map((t) => t.name).sort());
    for (const t of tools) {
      const r = await callRaw(t.name, VALID_ARGS[t.name]);
      expect(r.isError, `${t.name}: ${text(r)}`).toBeFalsy();
    }
  });

  it('rejects unknown fields, naming them', async () => {
    for (const t of tools) {
      const r = await callRaw(t.name, { ...VALID_ARGS[t.name], bogus_field: 1 });
      expect(r.isError, t.name).toBe(true);
      expect(text(r), t.name).toMatch(/Input validation error: .*Unrecognized key.*bogus_field/s);
    }
  });

  it('rejects a wrong type for every property, naming the property', async () => {
    let checked = 0;
    for (const t of tools) {
      for (const [prop, schema] of Object.entries(t.inputSchema.properties ?? {}) as Array<[string, PropSchema]>) {
        const bad = wrongTypeValue(schema);
        if (typeof bad === 'symbol') continue;
        const r = await callRaw(t.name, { ...VALID_ARGS[t.name], [prop]: bad });
        expect(r.isError, `${t.name}.${prop}`).toBe(true);
        expect(text(r), `${t.name}.${prop}`).toMatch(new RegExp(`${prop}: Invalid (input|option): expected `));
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(60);
  });

  it('rejects over-limit values (length, maximum, item count), naming the property', async () => {
    let checked = 0;
    for (const t of tools) {
      for (const [prop, schema] of Object.entries(t.inputSchema.properties ?? {}) as Array<[string, PropSchema]>) {
        const bad = overLimitValue(schema);
        if (bad === undefined) continue;
        const r = await callRaw(t.name, { ...VALID_ARGS[t.name], [prop]: bad });
        expect(r.isError, `${t.name}.${prop}`).toBe(true);
        expect(text(r), `${t.name}.${prop}`).toMatch(new RegExp(`${prop}: (Too big|.*at most)`));
        checked++;
      }
    }
    const limit = await callRaw('list_contacts', { limit: 0 });
    expect(text(limit)).toContain('limit is at least 1');
    expect(text(await callRaw('list_contacts', { limit: 101 }))).toContain('limit is at most 100');
    expect(text(await callRaw('update_deal', { id: 'd1' }))).toContain('give at least one field to change besides id');
    expect(text(await callRaw('log_note', { body: 'x' }))).toContain('link the note to at least one record');
    expect(checked).toBeGreaterThan(30);
  });

  it('500 random argument objects per tool: never a crash, a stack trace or a secret', async () => {
    const reachedBefore = crms.sb.hubspot.log.count(/^\/crm\//);
    for (const t of tools) {
      const known = Object.keys(t.inputSchema.properties ?? {});
      const args = fc.oneof(
        fc.dictionary(fc.oneof(fc.constantFrom(...known), fc.string()), fc.anything({ withBigInt: false, maxDepth: 3 })),
        fc.record(Object.fromEntries(known.map((k) => [k, fc.anything({ maxDepth: 2 })])), { requiredKeys: [] }),
        fc.anything({ maxDepth: 2 }),
      );
      await fc.assert(
        fc.asyncProperty(args, async (a) => {
          // Arguments that are not an object are protocol misuse: a JSON-RPC error, not a crash.
          const r = await callRaw(t.name, a).catch((e: unknown) => {
            expect(a === null || typeof a !== 'object' || Array.isArray(a), `protocol error only for non-object arguments: ${String(e)}`).toBe(true);
            expect((e as { code?: number }).code).toBeLessThan(-32000);
            return { content: [{ type: 'text', text: String((e as Error).message) }], isError: true } as CallToolResult;
          });
          const all = JSON.stringify(r);
          expect(all).not.toMatch(/\n\s+at .+:\d+:\d+|node_modules|\.ts:\d+/);
          for (const s of crms.secrets) expect(all).not.toContain(s);
          if (!r.isError) expect(r.structuredContent).toBeDefined();
        }),
        { numRuns: 500 },
      );
    }
    await expect(client.ping()).resolves.toBeDefined();
    // Some random arguments were valid and really reached the provider (not only the validator).
    expect(crms.sb.hubspot.log.count(/^\/crm\//)).toBeGreaterThan(reachedBefore);
    expect(logs.length).toBeGreaterThan(0);
    for (const s of crms.secrets) expect(logs.join('')).not.toContain(s);
  });
});
