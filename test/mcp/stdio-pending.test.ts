import { describe, expect, it } from 'vitest';
import { trackPendingRequests } from '../../src/mcp/stdio-pending.js';

const line = (m: unknown) => JSON.stringify(m) + '\n';

/** Whether settled() has resolved once the microtasks queued so far have run. */
async function isSettled(p: Promise<void>): Promise<boolean> {
  let done = false;
  void p.then(() => (done = true));
  await new Promise<void>((r) => setImmediate(r));
  return done;
}

describe('stdio pending requests (what EOF waits for)', () => {
  it('waits for every request read until its answer is written, across chunk boundaries', async () => {
    const t = trackPendingRequests();
    const both = line({ jsonrpc: '2.0', id: 1, method: 'initialize' }) + line({ jsonrpc: '2.0', id: 'b', method: 'tools/list' });
    t.read(both.slice(0, 10));
    t.read(both.slice(10));
    t.read(line({ jsonrpc: '2.0', method: 'notifications/initialized' }));
    const settled = t.settled();
    t.written(line({ jsonrpc: '2.0', id: 1, result: {} }));
    // A server-to-client request with the same id is not an answer.
    t.written(line({ jsonrpc: '2.0', id: 'b', method: 'ping' }));
    expect(await isSettled(settled)).toBe(false);
    t.written(line({ jsonrpc: '2.0', id: 'b', error: { code: -1, message: 'x' } }));
    expect(await isSettled(settled)).toBe(true);
  });

  it('stops waiting for a request the client cancelled (the SDK never answers it)', async () => {
    const t = trackPendingRequests();
    t.read(line({ jsonrpc: '2.0', id: 7, method: 'tools/call' }));
    const settled = t.settled();
    expect(await isSettled(settled)).toBe(false);
    t.read(line({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 7 } }));
    expect(await isSettled(settled)).toBe(true);
  });

  it('is settled at once when nothing is open', async () => {
    expect(await isSettled(trackPendingRequests().settled())).toBe(true);
  });
});
