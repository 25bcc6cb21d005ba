/**
 * `KvChanges` on Redis (kv.ts). Writes announce themselves from their own script (redis-kv.ts):
 * the generation key is incremented and `<generation> <key>` published on the change channel.
 * A second connection, opened by the first `check` (a process that caches nothing, such as a CLI
 * command, never opens it), subscribes to the channel and announces each key at once.
 *
 * Lost messages are found two ways: a generation that skips one (the stream had a gap), and
 * `check`, which reads the generation and announces "any key" when it is not the last one heard
 * (a message lost, still in flight, or the subscriber down). A reconnected subscriber may have
 * missed messages: it announces "any key" too.
 */
import { createChangeListeners } from './changes.js';
import type { KvChanges } from './kv.js';

/** What is used of the store's Redis connection (redis-kv.ts's client). */
export interface ChangesClient {
  get(key: string): Promise<unknown>;
  duplicate(): SubscriberClient;
}
interface SubscriberClient {
  readonly isOpen: boolean;
  on(event: 'error' | 'ready', listener: () => void): unknown;
  connect(): Promise<unknown>;
  subscribe(channel: string, listener: (message: string) => void): Promise<void>;
  close(): Promise<void>;
}

/** Both under the store's prefix; see STORAGE.md. */
export const CHANGE_CHANNEL = 'kv:changes';
export const GENERATION_KEY = 'kv:generation';

export interface RedisChanges extends KvChanges {
  /** This process's own write of `key`, announced when it returns (its message follows). */
  wrote(key: string): void;
  close(): Promise<void>;
}

export function createRedisChanges(client: ChangesClient, prefix: string): RedisChanges {
  const listeners = createChangeListeners();
  /** The last generation accounted for (heard in order, or read by a check); undefined: none yet. */
  let seen: number | undefined;
  let subscriber: SubscriberClient | undefined;
  let subscribed: Promise<void> | undefined;
  let closed = false;

  const lost = () => {
    seen = undefined;
    listeners.emit(undefined);
  };

  const onMessage = (message: string) => {
    const sp = message.indexOf(' ');
    const g = Number(message.slice(0, sp));
    listeners.emit(message.slice(sp + 1));
    if (!Number.isSafeInteger(g)) return lost();
    if (seen === undefined) return;
    if (g > seen + 1) listeners.emit(undefined);
    if (g > seen) seen = g;
  };

  /** Best effort: without a subscriber the checks alone keep caches within their bound. */
  const subscribe = () =>
    (subscribed ??= (async () => {
      const sub = client.duplicate();
      subscriber = sub;
      sub.on('error', () => {});
      let connects = 0;
      sub.on('ready', () => {
        if (connects++ > 0) lost();
      });
      await sub.connect();
      await sub.subscribe(prefix + CHANGE_CHANNEL, onMessage);
    })().catch(() => undefined));

  return {
    live: true,
    subscribe: listeners.subscribe,
    wrote: (key) => listeners.emit(key),
    async check() {
      if (closed) return lost();
      await subscribe();
      try {
        const g = Number((await client.get(prefix + GENERATION_KEY)) ?? 0);
        if (g !== seen) {
          listeners.emit(undefined);
          seen = g;
        }
      } catch {
        lost();
      }
    },
    async close() {
      closed = true;
      if (subscriber?.isOpen) await subscriber.close().catch(() => undefined);
    },
  };
}
