/** The listener set behind every backend's `KvChanges` (kv.ts). */
export interface ChangeListeners {
  subscribe(listener: (key: string | undefined) => void): () => void;
  /** Tells every listener, synchronously, that `key` (undefined: any key) may hold a new value. */
  emit(key: string | undefined): void;
}

export function createChangeListeners(): ChangeListeners {
  const listeners = new Set<(key: string | undefined) => void>();
  return {
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    emit(key) {
      for (const l of listeners) l(key);
    },
  };
}
