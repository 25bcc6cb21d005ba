/**
 * Memory: RSS and heapUsed of a fresh process holding N linked accounts in the store and M
 * scheduled refreshes, once with the embedded SQLite file and once with the in-memory KvStore.
 */
import { spawn } from 'node:child_process';
import { round } from './stats.js';
import { selfScript } from './spawn.js';

export interface MemoryPoint {
  backend: 'sqlite' | 'memory';
  accounts: number;
  scheduled: number;
  rss_mb: number;
  heap_used_mb: number;
  /** Same process right before loading (modules imported, store opened). */
  baseline_rss_mb: number;
  baseline_heap_used_mb: number;
  load_s: number;
}

export interface MemoryResult {
  sqlite: MemoryPoint;
  memory: MemoryPoint;
}

interface ChildOut {
  backend: 'sqlite' | 'memory';
  accounts: number;
  scheduled: number;
  load_ms: number;
  before: { rss_mb: number; heap_used_mb: number };
  after: { rss_mb: number; heap_used_mb: number };
}

async function runChild(backend: 'sqlite' | 'memory', n: number, m: number): Promise<MemoryPoint> {
  const { command, args } = selfScript(import.meta.url, 'memory-child', ['--expose-gc']);
  const child = spawn(command, [...args, backend, String(n), String(m)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const code = await new Promise<number | null>((r) => child.on('exit', r));
  if (code !== 0) throw new Error(`memory child (${backend}) exited ${code}: ${err.slice(0, 500)}`);
  const r = JSON.parse(out.trim().split('\n').pop() ?? '{}') as ChildOut;
  return {
    backend, accounts: r.accounts, scheduled: r.scheduled,
    rss_mb: round(r.after.rss_mb, 1), heap_used_mb: round(r.after.heap_used_mb, 1),
    baseline_rss_mb: round(r.before.rss_mb, 1), baseline_heap_used_mb: round(r.before.heap_used_mb, 1), load_s: round(r.load_ms / 1000, 2),
  };
}

export async function benchMemory(o: { quick: boolean }): Promise<MemoryResult> {
  const n = o.quick ? 200 : 10_000;
  const m = o.quick ? 20 : 1_000;
  return { sqlite: await runChild('sqlite', n, m), memory: await runChild('memory', n, m) };
}
