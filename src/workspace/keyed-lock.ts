import { Mutex } from 'async-mutex';

/** Runs callbacks one at a time per key; different keys run concurrently. */
export interface KeyedLock {
  /** Runs `work` once every earlier callback for `key` has settled; resolves with its result. */
  run<T>(key: string, work: () => Promise<T>): Promise<T>;
  /** Keys that currently have a running or waiting callback (for tests and metrics). */
  size(): number;
}

/**
 * An in-process lock per key (async-mutex 0.5 `Mutex`). Entries are counted and deleted when the
 * last user leaves, so the map does not grow with every repository ever seen.
 */
export function createKeyedLock(): KeyedLock {
  const entries = new Map<string, { mutex: Mutex; users: number }>();
  return {
    async run(key, work) {
      let entry = entries.get(key);
      if (!entry) {
        entry = { mutex: new Mutex(), users: 0 };
        entries.set(key, entry);
      }
      entry.users += 1;
      try {
        return await entry.mutex.runExclusive(work);
      } finally {
        entry.users -= 1;
        if (entry.users === 0) entries.delete(key);
      }
    },
    size: () => entries.size,
  };
}
