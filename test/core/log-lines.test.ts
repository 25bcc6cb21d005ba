import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { createLineWriter } from '../../src/core/log-lines.js';
import { createLogger } from '../../src/core/logger.js';
import { distModule } from '../helpers/dist.js';

/** A turn end that runs when the test says, and an exit hook that records what is registered. */
function rig() {
  const writes: string[] = [];
  const turnEnds: Array<() => void> = [];
  const exitHooks = new Set<() => void>();
  const writer = createLineWriter((t) => writes.push(t), {
    schedule: (fn) => turnEnds.push(fn),
    onExit: { add: (fn) => exitHooks.add(fn), remove: (fn) => exitHooks.delete(fn) },
  });
  const endTurn = () => turnEnds.splice(0).forEach((fn) => fn());
  return { writes, exitHooks, writer, endTurn };
}

describe('log lines batched per event-loop turn', () => {
  it('the lines of one turn are written once, together and in order, when the turn ends', () => {
    const r = rig();
    r.writer.line('a');
    r.writer.line('b');
    r.writer.line('c');
    expect(r.writes).toEqual([]);
    r.endTurn();
    expect(r.writes).toEqual(['a\nb\nc\n']);
    r.writer.line('d');
    r.endTurn();
    expect(r.writes).toEqual(['a\nb\nc\n', 'd\n']);
  });

  it('an exit hook is held only while lines are pending, and it writes them', () => {
    const r = rig();
    r.writer.line('x');
    expect(r.exitHooks.size).toBe(1);
    [...r.exitHooks][0]!();
    expect(r.writes).toEqual(['x\n']);
    expect(r.exitHooks.size).toBe(0);
    r.endTurn();
    expect(r.writes).toEqual(['x\n']);
  });

  it('flush() writes what is pending at once (the app close)', () => {
    const r = rig();
    r.writer.line('y');
    r.writer.flush();
    expect(r.writes).toEqual(['y\n']);
    expect(r.exitHooks.size).toBe(0);
  });

  it('info lines wait for the turn end; a warning writes the batch with it at once', () => {
    const writes: string[] = [];
    const turnEnds: Array<() => void> = [];
    const log = createLogger({ write: (t) => writes.push(t), batch: { schedule: (fn) => turnEnds.push(fn), onExit: { add() {}, remove() {} } } });
    log.info('one');
    log.debug('hidden at info');
    log.info('two');
    expect(writes).toEqual([]);
    turnEnds.splice(0).forEach((fn) => fn());
    expect(writes.map((w) => w.split('\n').length - 1)).toEqual([2]);
    log.info('three');
    log.error('four');
    expect(writes.slice(1).map((w) => w.trimEnd().split('\n').map((l) => (JSON.parse(l) as { msg: string }).msg))).toEqual([['three', 'four']]);
  });

  it('a logger and its children share one batch; secrets stay redacted', () => {
    const writes: string[] = [];
    const turnEnds: Array<() => void> = [];
    const log = createLogger({ write: (t) => writes.push(t), batch: { schedule: (fn) => turnEnds.push(fn), onExit: { add() {}, remove() {} } }, base: { component: 'http' } });
    log.info('tool call', { ok: true, access_token: 'abcdefghijklmnop' });
    log.child({ account_id: 'acc_1' }).warn('with Bearer abcdefghijklmnop', { nested: { client_secret: 's3cr3t-value-123' } });
    // The warning wrote the batch at once, the info line before it.
    expect(writes).toHaveLength(1);
    const lines = writes[0]!.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => [l.level, l.msg])).toEqual([['info', 'tool call'], ['warn', 'with Bearer ****']]);
    expect(lines[0]).toMatchObject({ component: 'http', ok: true, access_token: '****mnop' });
    expect(lines[1]).toMatchObject({ component: 'http', account_id: 'acc_1', nested: { client_secret: '****-123' } });
    expect(writes[0]).not.toContain('abcdefghijklmnop');
    expect(writes[0]).not.toContain('s3cr3t');
  });

  it('a process that exits in the turn it logged still writes its lines (stderr default)', () => {
    const script = `import(${JSON.stringify(distModule('core/logger'))}).then((m) => { const l = m.createLogger(); l.info('first'); l.error('second'); process.exit(3); });`;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    expect(r.status).toBe(3);
    expect(r.stderr.trimEnd().split('\n').map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual(['first', 'second']);
  });
});
