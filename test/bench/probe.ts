/**
 * The probe every measured process carries (crm-mcp `serve`, the floors, the provider fake): a
 * preload given as `node --import <data: URL>` so the product needs no bench flag and `serve`
 * runs from dist/ without tsx. Over the IPC channel it answers `process.cpuUsage()` (user +
 * system of the whole process, every thread) and starts/stops a V8 CPU profile through
 * node:inspector, so a profile covers exactly the load window and not the process's startup.
 * The channel is unref'd: the probe never keeps a process alive.
 */
import type { ChildProcess } from 'node:child_process';

const PROBE_SOURCE = `
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
if (process.send) {
  let session;
  process.on('message', async (m) => {
    if (!m || typeof m !== 'object' || m.probe !== 'request') return;
    const reply = (x) => process.send({ probe: 'reply', id: m.id, ...x });
    try {
      if (m.op === 'cpu') {
        const u = process.cpuUsage();
        reply({ cpu_us: u.user + u.system });
      } else if (m.op === 'profile-start') {
        session = new Session();
        session.connect();
        await session.post('Profiler.enable');
        await session.post('Profiler.setSamplingInterval', { interval: m.intervalUs });
        await session.post('Profiler.start');
        reply({});
      } else if (m.op === 'profile-stop') {
        const { profile } = await session.post('Profiler.stop');
        session.disconnect();
        writeFileSync(m.file, JSON.stringify(profile));
        reply({});
      }
    } catch (e) {
      reply({ error: String(e && e.stack || e) });
    }
  });
  process.channel?.unref();
}
`;

/** Node flags that load the probe (put them before the script). */
export const PROBE_FLAGS: readonly string[] = ['--import', `data:text/javascript,${encodeURIComponent(PROBE_SOURCE)}`];

interface Reply {
  probe: 'reply';
  id: number;
  error?: string;
  cpu_us?: number;
}

/** The bench's side of one probed child (spawned with an `'ipc'` stdio entry and PROBE_FLAGS). */
export class Probe {
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();

  constructor(private readonly child: ChildProcess, private readonly name: string) {
    child.on('message', (m: unknown) => {
      const r = m as Reply;
      if (r?.probe !== 'reply') return;
      const p = this.pending.get(r.id);
      this.pending.delete(r.id);
      if (r.error) p?.reject(new Error(`${name} probe: ${r.error}`));
      else p?.resolve(r);
    });
    child.on('exit', () => {
      for (const p of this.pending.values()) p.reject(new Error(`${name} exited while the bench asked its probe`));
      this.pending.clear();
    });
  }

  private ask(op: string, extra: Record<string, unknown> = {}): Promise<Reply> {
    const id = ++this.nextId;
    return new Promise<Reply>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.send({ probe: 'request', id, op, ...extra }, (err) => {
        if (!err) return;
        this.pending.delete(id);
        reject(new Error(`${this.name} probe: ${err.message}`));
      });
    });
  }

  /** CPU time the process has used so far (user + system), in ms. */
  async cpuMs(): Promise<number> {
    return ((await this.ask('cpu')).cpu_us ?? NaN) / 1000;
  }

  async profileStart(intervalUs = 200): Promise<void> {
    await this.ask('profile-start', { intervalUs });
  }

  /** Stops the profile and has the child write it (a .cpuprofile JSON) to `file`. */
  async profileStop(file: string): Promise<void> {
    await this.ask('profile-stop', { file });
  }
}
