/**
 * Due queues for proactive refresh: `claimDue` returns what is due and leases it — each claimed
 * id stays queued, due again at the lease's end, so a claimer that fails or dies never drops it;
 * whoever finishes the work reschedules it (`add`). Work per tick is proportional to what is due.
 * The memory queue is a binary min-heap with lazy deletion (an id's live entry is the one matching
 * `at` in the index).
 */
export interface DueQueue {
  add(id: string, at: number): Promise<void>;
  remove(id: string): Promise<void>;
  /** Returns up to `limit` ids due at or before `now`, soonest first, each now due again at `leaseUntil`. */
  claimDue(now: number, limit: number, leaseUntil: number): Promise<string[]>;
  peek(limit: number): Promise<Array<{ id: string; at: number }>>;
  size(): Promise<number>;
}

export function createMemoryDueQueue(): DueQueue {
  const heap: Array<{ id: string; at: number }> = [];
  const live = new Map<string, number>();
  const less = (i: number, j: number) => heap[i]!.at < heap[j]!.at;
  const swap = (i: number, j: number) => {
    const t = heap[i]!;
    heap[i] = heap[j]!;
    heap[j] = t;
  };
  const push = (e: { id: string; at: number }) => {
    heap.push(e);
    let i = heap.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(i, p)) break;
      swap(i, p);
      i = p;
    }
  };
  const pop = () => {
    const top = heap[0];
    const last = heap.pop();
    if (heap.length > 0 && last) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && less(l, m)) m = l;
        if (r < heap.length && less(r, m)) m = r;
        if (m === i) break;
        swap(i, m);
        i = m;
      }
    }
    return top;
  };
  const dropStale = () => {
    while (heap.length > 0 && live.get(heap[0]!.id) !== heap[0]!.at) pop();
  };
  return {
    async add(id, at) {
      live.set(id, at);
      push({ id, at });
    },
    async remove(id) {
      live.delete(id);
    },
    async claimDue(now, limit, leaseUntil) {
      const out: string[] = [];
      for (dropStale(); out.length < limit && heap.length > 0 && heap[0]!.at <= now; dropStale()) {
        out.push(pop()!.id);
      }
      for (const id of out) {
        live.set(id, leaseUntil);
        push({ id, at: leaseUntil });
      }
      return out;
    },
    async peek(limit) {
      return [...live.entries()].map(([id, at]) => ({ id, at })).sort((a, b) => a.at - b.at).slice(0, limit);
    },
    async size() {
      return live.size;
    },
  };
}
