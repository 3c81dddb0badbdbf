/**
 * Something changed in the engine that a process may act on: `jobs` — a job became claimable (or
 * its cancel was requested); `outbox` — an outbox item is due. Delivered after the change is
 * committed; may be coalesced or (rarely) lost, so listeners also poll at a slow pace.
 */
export type EngineEvent = { kind: 'jobs' } | { kind: 'outbox' };

/**
 * The engine's event feed: replaces hand-placed wake-up calls. The embedded backend delivers in
 * process; a shared one across processes (PostgreSQL `LISTEN`/`NOTIFY`).
 */
export interface EngineEvents {
  /** Calls `listener` for every event until the returned function is called. */
  subscribe(listener: (event: EngineEvent) => void): () => void;
}
