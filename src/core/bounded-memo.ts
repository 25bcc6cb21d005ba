/**
 * Promises memoised per key, bounded: past `maxKeys` the oldest key goes first, and a promise that
 * rejects is not kept, so the next caller tries again.
 */
export function boundedMemo<V>(maxKeys: number): (key: string, make: () => Promise<V>) => Promise<V> {
  const entries = new Map<string, Promise<V>>();
  return (key, make) => {
    let value = entries.get(key);
    if (!value) {
      value = make();
      value.catch(() => entries.delete(key));
      entries.set(key, value);
      if (entries.size > maxKeys) entries.delete(entries.keys().next().value!);
    }
    return value;
  };
}
