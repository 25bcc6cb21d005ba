/**
 * Starts a real `redis-server` on a free loopback port for one test file and stops it after.
 * When the binary is absent the suite is skipped with the reason (CI always installs it).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const redisAvailable: boolean = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
/** Put in the title of every suite skipped for want of Redis; `.ci/run` recognises the "[skip: …]" marker. */
export const redisSkipReason = '[skip: redis-server missing] apt-get install -y redis-server; .ci/run installs it';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (addr && typeof addr === 'object' ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

export interface RedisHandle {
  url: string;
  port: number;
  /**
   * Stops the server, runs `whileDown`, and starts it again on the same port and data directory
   * (with `persist` every key and TTL survives).
   */
  restart(whileDown?: () => Promise<void>): Promise<void>;
  stop(): Promise<void>;
}

async function spawnRedis(port: number, dir: string, persist: boolean): Promise<ChildProcess> {
  const child: ChildProcess = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', persist ? 'yes' : 'no', '--appendfsync', 'always', '--dir', dir, '--protected-mode', 'yes'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`redis-server did not start: ${out}`)), 10_000);
    child.stdout?.on('data', (b: Buffer) => {
      out += b.toString();
      if (out.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with ${code}: ${out}`));
    });
  });
  child.removeAllListeners('exit');
  return child;
}

async function stopRedis(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

/** `persist`: an append-only file (fsync always), so a restart keeps every key and TTL. */
export async function startRedis(opts: { persist?: boolean } = {}): Promise<RedisHandle> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'crm-mcp-redis-'));
  const persist = opts.persist ?? false;
  let child = await spawnRedis(port, dir, persist);
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async restart(whileDown) {
      await stopRedis(child);
      try {
        await whileDown?.();
      } finally {
        child = await spawnRedis(port, dir, persist);
      }
    },
    async stop() {
      await stopRedis(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
