/**
 * Nothing rebuilt per request (issue 16 item 3): a tool schema is converted to JSON Schema once
 * per process however many servers are built (compiled-schema.ts), and an account's tool set is
 * resolved once per account schema — integration, environment, overrides — over many stateless
 * HTTP requests (tool-set.ts); a changed override is a new schema and resolves again.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { cryptoRandom } from '../../src/core/deps.js';
import { startHttpServer } from '../../src/http/server.js';
import { compiledSchema } from '../../src/mcp/compiled-schema.js';
import { createAccountStore } from '../../src/store/kv-account-store.js';
import { createMemoryLogger } from '../helpers/logger.js';
import { manualClock } from '../helpers/manual-clock.js';
import { createMemoryKv, plainCodec } from '../helpers/memory-kv.js';
import { INIT, LIST_CALL, mcpPost } from '../http/helpers.js';
import { testAccount } from './helpers/accounts.js';
import { createMemoryEngine } from './helpers/memory-engine.js';

describe('compiled once per process', () => {
  it('a schema is converted to JSON Schema once, and every caller gets the same frozen object', () => {
    const schema = z.object({ a: z.string() });
    const std = schema['~standard'] as unknown as { jsonSchema: { input: (o: unknown) => Record<string, unknown> } };
    let conversions = 0;
    const original = std.jsonSchema.input;
    Object.defineProperty(std, 'jsonSchema', { value: { ...std.jsonSchema, input: (o: unknown) => (conversions++, original(o)) } });
    const first = compiledSchema(schema)['~standard'].jsonSchema.input({ target: 'draft-2020-12' });
    const again = compiledSchema(schema)['~standard'].jsonSchema.input({ target: 'draft-2020-12' });
    expect(conversions).toBe(1);
    expect(again).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(compiledSchema(schema)['~standard'].validate({ a: 1 })).toMatchObject({ issues: [expect.anything()] });
  });

  it("stateless HTTP resolves an account's tool set once per account schema, not per request", async () => {
    const clock = manualClock();
    const kv = createMemoryKv(clock);
    const accounts = createAccountStore({ kv, codec: plainCodec, clock });
    const account = testAccount({ id: 'a-acct' });
    await accounts.put(account);
    const engine = createMemoryEngine();
    const resolve = engine.capabilities.bind(engine);
    let resolutions = 0;
    engine.capabilities = async (a) => (resolutions++, resolve(a));
    const srv = await startHttpServer({ port: 0, engine, deps: { clock, random: cryptoRandom, logger: createMemoryLogger() }, accounts, auth: { mode: 'none', accountId: 'a-acct' } });
    try {
      for (const body of [INIT, LIST_CALL, LIST_CALL, { jsonrpc: '2.0', id: 3, method: 'tools/list' }]) expect((await mcpPost(`${srv.url}/mcp`, body)).status).toBe(200);
      expect(resolutions).toBe(1);
      await accounts.put({ ...account, unified_model_override: { contacts: { custom_fields: { tier: 'properties.tier' } } } });
      expect((await mcpPost(`${srv.url}/mcp`, LIST_CALL)).status).toBe(200);
      expect(resolutions).toBe(2);
    } finally {
      await srv.close();
    }
  });
});
