import type { Clock } from '../../../src/core/deps.js';

export type ManualClock = Clock & { advance(ms: number): void };

export function manualClock(start = Date.UTC(2026, 10, 22, 12, 0, 0)): ManualClock {
  let t = start;
  return {
    now: () => t,
    setTimer: () => ({ cancel: () => undefined }),
    sleep: async () => undefined,
    advance(ms: number) {
      t += ms;
    },
  };
}

export async function call(url: string, init: { method?: string; token?: string; json?: unknown; headers?: Record<string, string> } = {}) {
  const res = await fetch(url, {
    method: init.method ?? 'GET',
    headers: { ...(init.token ? { authorization: `Bearer ${init.token}` } : {}), ...(init.json !== undefined ? { 'content-type': 'application/json' } : {}), ...(init.headers ?? {}) },
    ...(init.json !== undefined ? { body: JSON.stringify(init.json) } : {}),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return { status: res.status, headers: res.headers, text, json: json as any };
}
