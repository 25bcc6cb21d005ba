import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { SUPPORTED_PROTOCOL_VERSIONS as SDK_VERSIONS } from '@modelcontextprotocol/sdk/types.js';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { cryptoRandom, systemClock } from '../../src/core/deps.js';
import { silentLogger } from '../helpers/logger.js';
import { createServer } from '../../src/mcp/server.js';
import { SUPPORTED_PROTOCOL_VERSIONS } from '../../src/mcp/server-info.js';
import { startFastInit } from '../../src/mcp/stdio-fast-init.js';
import { testAccount } from './helpers/accounts.js';
import { createMemoryEngine } from './helpers/memory-engine.js';

const init = (id: number | string, protocolVersion = '2025-06-18') =>
  JSON.stringify({ jsonrpc: '2.0', id, method: 'initialize', params: { protocolVersion, capabilities: { roots: {} }, clientInfo: { name: 'c', version: '1' } } }) + '\n';

async function session(earlyInit: boolean, protocolVersion?: string) {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const lines: Array<Record<string, unknown>> = [];
  let buf = '';
  stdout.on('data', (c: Buffer) => {
    buf += c.toString();
    let nl;
    while ((nl = buf.indexOf('\n')) !== -1) {
      lines.push(JSON.parse(buf.slice(0, nl)) as Record<string, unknown>);
      buf = buf.slice(nl + 1);
    }
  });
  const fast = startFastInit(stdin, stdout);
  // Early: wait for the answer to the initialize written before the SDK exists. Late: nothing has been
  // written, so there is no answer to wait for (a spurious one would still show in the final count).
  if (earlyInit) {
    stdin.write(init(1, protocolVersion));
    await expect.poll(() => lines.length).toBeGreaterThan(0);
  }
  const answeredEarly = lines.length;
  const built = await createServer({ account: testAccount(), engine: createMemoryEngine(), deps: { clock: systemClock, random: cryptoRandom, logger: silentLogger } });
  await built.server.connect(new StdioServerTransport(fast.input, fast.output));
  fast.ready();
  if (!earlyInit) stdin.write(init(1, protocolVersion));
  stdin.write(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) + '\n');
  stdin.write(JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }) + '\n');
  await expect.poll(() => lines.some((l) => l.id === 2)).toBe(true);
  await built.cleanup();
  return { lines, answeredEarly, server: built.server };
}

describe('stdio fast initialize', () => {
  it('knows the same protocol versions as the SDK', () => {
    expect([...SUPPORTED_PROTOCOL_VERSIONS]).toEqual(SDK_VERSIONS);
  });

  it('answers initialize before the SDK is connected, identically to the SDK, exactly once', async () => {
    const fast = await session(true);
    const slow = await session(false);
    expect(fast.answeredEarly).toBe(1);
    expect(slow.answeredEarly).toBe(0);
    expect(fast.lines.filter((l) => l.id === 1)).toHaveLength(1);
    expect(slow.lines.filter((l) => l.id === 1)).toHaveLength(1);
    expect(fast.lines.find((l) => l.id === 1)).toEqual(slow.lines.find((l) => l.id === 1));
    expect((fast.lines.find((l) => l.id === 2)?.result as { tools: unknown[] }).tools).toHaveLength(14);
    // The SDK saw the replayed initialize: it knows the client's capabilities.
    expect(fast.server.server.getClientCapabilities()).toEqual({ roots: {} });
  });

  it('negotiates like the SDK for an unknown protocol version', async () => {
    const fast = await session(true, '1999-01-01');
    const slow = await session(false, '1999-01-01');
    expect(fast.lines.find((l) => l.id === 1)).toEqual(slow.lines.find((l) => l.id === 1));
    expect((fast.lines.find((l) => l.id === 1)?.result as { protocolVersion: string }).protocolVersion).toBe('2025-11-25');
  });
});

describe('stdio fast initialize: firstLine (Node 22 loads module graphs without yielding to I/O)', () => {
  it('resolves once the first message is answered, or after maxWaitMs when none comes', async () => {
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    const fast = startFastInit(stdin, stdout);
    const t0 = Date.now();
    await fast.firstLine(30);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(25);
    const stdin2 = new PassThrough();
    const other = startFastInit(stdin2, stdout);
    stdin2.write(init(7));
    await other.firstLine(10_000);
    expect(JSON.parse(String(stdout.read())).id).toBe(7);
  });
});
