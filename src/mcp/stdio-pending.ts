/**
 * Which client requests a stdio server has read but not yet answered, seen on the raw streams
 * (one JSON-RPC message per line, either direction). When stdin ends, the server closes only
 * once `settled()` resolves, so a client that writes its requests and closes the pipe
 * (`echo '{…}' | crm-mcp stdio …`) still gets every answer. A request the client cancels
 * (`notifications/cancelled`) is no longer waited for: the SDK does not answer it.
 */
export interface PendingRequests {
  /** A chunk read from the client. */
  read(chunk: Buffer | string): void;
  /** A chunk written to the client. */
  written(chunk: Buffer | string): void;
  /** Resolves once every request read so far has been answered (or cancelled). */
  settled(): Promise<void>;
}

const key = (id: unknown): string | undefined => (typeof id === 'string' || typeof id === 'number' ? `${typeof id}:${id}` : undefined);

function lineSplitter(onLine: (line: string) => void): (chunk: Buffer | string) => void {
  let pending = '';
  return (chunk) => {
    pending += chunk.toString();
    let nl: number;
    while ((nl = pending.indexOf('\n')) !== -1) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      if (line.trim()) onLine(line);
    }
  };
}

function parse(line: string): { id?: unknown; method?: unknown; params?: { requestId?: unknown } } | undefined {
  try {
    const msg: unknown = JSON.parse(line);
    return typeof msg === 'object' && msg !== null && !Array.isArray(msg) ? (msg as { id?: unknown; method?: unknown }) : undefined;
  } catch {
    return undefined;
  }
}

export function trackPendingRequests(): PendingRequests {
  const open = new Set<string>();
  let waiters: Array<() => void> = [];
  const settle = () => {
    if (open.size > 0) return;
    for (const w of waiters) w();
    waiters = [];
  };
  return {
    read: lineSplitter((line) => {
      const msg = parse(line);
      if (!msg || typeof msg.method !== 'string') return;
      const id = key(msg.id);
      if (id) open.add(id);
      else if (msg.method === 'notifications/cancelled') {
        const cancelled = key(msg.params?.requestId);
        if (cancelled) open.delete(cancelled);
        settle();
      }
    }),
    written: lineSplitter((line) => {
      const msg = parse(line);
      if (!msg || msg.method !== undefined) return;
      const id = key(msg.id);
      if (id && open.delete(id)) settle();
    }),
    settled: () => new Promise<void>((resolve) => {
      waiters.push(resolve);
      settle();
    }),
  };
}
