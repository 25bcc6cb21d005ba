import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { answerRequests, STARTUP_FAILED } from '../../src/mcp/stdio-early-error.js';

const error = { message: "account 'x' not found", reason: 'not_found' };
const HOUR = 3_600_000;

function wire() {
  const input = new PassThrough();
  const output = new PassThrough();
  const lines: unknown[] = [];
  let buf = '';
  output.on('data', (c: Buffer) => {
    buf += c.toString();
    for (let nl = buf.indexOf('\n'); nl !== -1; nl = buf.indexOf('\n')) {
      lines.push(JSON.parse(buf.slice(0, nl)));
      buf = buf.slice(nl + 1);
    }
  });
  return { input, output, lines };
}

describe('stdio answers before ready (a failed start)', () => {
  it('answers each request (any method, string or number id) with the reason; not notifications; a line that is not JSON with id null', async () => {
    const w = wire();
    const done = answerRequests(w.input, w.output, error, { firstWaitMs: HOUR, lingerMs: HOUR });
    w.input.write(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) + '\n');
    w.input.write(JSON.stringify({ jsonrpc: '2.0', id: 'd-1', method: 'server/discover', params: {} }) + '\r\n');
    w.input.write('not json\n' + JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'initialize', params: {} }));
    w.input.end();
    expect(await done).toBe(3);
    const err = { code: STARTUP_FAILED, message: error.message, data: { reason: 'not_found' } };
    expect(w.lines).toEqual([
      { jsonrpc: '2.0', id: 'd-1', error: err },
      { jsonrpc: '2.0', id: null, error: err },
      { jsonrpc: '2.0', id: 2, error: err },
    ]);
  });

  it('gives up when no request comes (stdin ends empty)', async () => {
    const w = wire();
    const done = answerRequests(w.input, w.output, error, { firstWaitMs: HOUR, lingerMs: HOUR });
    w.input.end();
    expect(await done).toBe(0);
    expect(w.lines).toEqual([]);
  });
});
