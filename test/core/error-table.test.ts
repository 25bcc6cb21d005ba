/**
 * The one error model: for every local error code, the row of core/error-table.ts is what a
 * tool result (thrown past the engine, and converted by the engine), an HTTP response and a CLI
 * exit actually show. A mapping that drifts from the table in any of the four places fails here.
 */
import { STATUS_CODES } from 'node:http';
import { Client } from '@modelcontextprotocol/client';
import { InMemoryTransport } from '@modelcontextprotocol/client';
import type { CallToolResult } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { links } from '../cli/helpers/cli.js';
import { toFailure } from '../../src/cli/exit.js';
import { cryptoRandom } from '../../src/core/deps.js';
import { ERROR_TABLE } from '../../src/core/error-table.js';
import { CrmMcpError, type ErrorCode } from '../../src/core/errors.js';
import { createMemoryLogger } from '../helpers/logger.js';
import { createEngine } from '../../src/engine/engine.js';
import { startHttpServer } from '../../src/http/server.js';
import { loadRegistry } from '../../src/integrations/index.js';
import { createServer } from '../../src/mcp/server.js';
import { account, silentLogger } from '../engine/helpers/accounts.js';
import { captureIo, memoryOperatorRuntime } from '../cli/helpers/operator-runtime.js';
import { testAccount } from '../mcp/helpers/accounts.js';
import { createMemoryEngine } from '../mcp/helpers/memory-engine.js';
import { manualClock } from '../helpers/manual-clock.js';

const ROWS = Object.entries(ERROR_TABLE) as Array<[ErrorCode, (typeof ERROR_TABLE)[ErrorCode]]>;
const registry = loadRegistry();
const memEngine = createMemoryEngine();
let client: Client;

beforeAll(async () => {
  const acct = testAccount();
  const built = await createServer({ account: acct, engine: memEngine, deps: { clock: manualClock(), random: cryptoRandom, logger: createMemoryLogger() }, loadAccount: async () => acct });
  const [a, b] = InMemoryTransport.createLinkedPair();
  client = new Client({ name: 'error-table', version: '1' });
  await built.server.connect(a);
  await client.connect(b);
});
afterAll(async () => {
  await client?.close();
});

async function viaToolCall(err: CrmMcpError): Promise<CallToolResult> {
  memEngine.throwNext = err;
  return (await client.callTool({ name: 'list_contacts', arguments: {} })) as CallToolResult;
}

async function viaEngine(err: CrmMcpError) {
  const engine = createEngine({ registry, tokens: { getAccessToken: () => Promise.reject(err) }, deps: { clock: manualClock(), logger: silentLogger() } });
  return engine.execute({ account: account('hubspot'), resource: 'contacts', method: 'list' });
}

async function viaHttp(err: unknown): Promise<{ status: number; body: string }> {
  const srv = await startHttpServer({
    port: 0,
    engine: memEngine,
    deps: { clock: manualClock(), random: cryptoRandom, logger: createMemoryLogger() },
    accounts: { get: () => Promise.reject(err) },
    auth: { mode: 'none', accountId: 'a-1' },
  });
  try {
    const res = await fetch(`${srv.url}/mcp`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: '{}' });
    return { status: res.status, body: await res.text() };
  } finally {
    await srv.close();
  }
}

describe('every error code has one outcome, and every layer shows it', () => {
  it('the table covers codes with a known tool category, an HTTP error status and a failing exit code', () => {
    expect(ROWS.length).toBeGreaterThan(0);
    for (const [code, row] of ROWS) {
      expect(STATUS_CODES[row.http], code).toBeDefined();
      expect(row.http, code).toBeGreaterThanOrEqual(400);
      expect([1, 2, 3], code).toContain(row.exit);
    }
  });

  for (const [code, row] of ROWS) {
    it(`${code} → tool '${row.tool}', HTTP ${row.http}, exit ${row.exit}`, async () => {
      const message = `failure ${code} with detail-${code}`;
      const err = new CrmMcpError(code, message);

      const tool = await viaToolCall(err);
      expect(tool.isError).toBe(true);
      expect((tool.structuredContent as { error: { code: string } }).error.code).toBe(row.tool);
      const text = JSON.stringify(tool.content);
      // An internal failure is named, never described, to the agent; the others say what happened.
      if (row.tool === 'internal') expect(text).not.toContain(`detail-${code}`);
      else expect(text).toContain(`detail-${code}`);

      const res = await viaEngine(err);
      expect(res).toMatchObject({ ok: false, error: { code: row.tool, message }, provider_requests: 0 });

      const http = await viaHttp(err);
      expect(http.status).toBe(row.http);
      expect(http.body).not.toContain(`detail-${code}`);

      expect(toFailure(err).exitCode).toBe(row.exit);
    });
  }

  it('a thrown value that is not a CrmMcpError is internal everywhere: HTTP 500, exit 1, a generic tool result', async () => {
    const err = new Error('socket hang up at 10.0.0.7');
    memEngine.throwNext = err;
    const tool = (await client.callTool({ name: 'list_contacts', arguments: {} })) as CallToolResult;
    expect((tool.structuredContent as { error: { code: string } }).error.code).toBe('internal');
    expect(JSON.stringify(tool.content)).not.toContain('10.0.0.7');
    expect((await viaHttp(err)).status).toBe(500);
    expect(toFailure(err).exitCode).toBe(1);
  });

  it('an unknown account exits 3 from a real command', async () => {
    const spec = { integration: 'hubspot', authorizeUrl: 'http://127.0.0.1:9/a', tokenUrl: 'http://127.0.0.1:9/t', pkce: false, scopes: [], scopeSeparator: ' ', clientAuth: 'client_secret_post' as const, contextCapture: [] };
    const rt = memoryOperatorRuntime({ specs: { hubspot: spec } });
    const io = captureIo();
    const code = await links(['create', '--tenant', 't', '--integration', 'hubspot', '--account', 'no-such-account', '--base-url', 'http://127.0.0.1:1', '--json'], io, async () => rt);
    expect(code, io.stderrText()).toBe(3);
    expect(JSON.parse(io.stdoutText())).toMatchObject({ ok: false, error: { code: 'account_not_found' } });
  });
});
