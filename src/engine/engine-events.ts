/**
 * Something changed in the engine that a process may act on:
 * - `jobs` — a job became claimable (or its cancel was requested, or a running job ended);
 * - `outbox` — an outbox item is due;
 * - `changed` — a job transition was committed (any state change, admissions included): read
 *   `JobBrowser.changes(lastSeenId, …)` for what changed;
 * - `output` — output of job `jobId` was appended (`JobOutput.appendOutput`); sent at most about
 *   once a second per job, the last append of a burst always announced.
 * Delivered after the change is committed; may be coalesced or (rarely) lost, so listeners also
 * poll at a slow pace.
 */
export type EngineEvent = { kind: 'jobs' } | { kind: 'outbox' } | { kind: 'changed' } | { kind: 'output'; jobId: string };

/**
 * The engine's event feed: replaces hand-placed wake-up calls. The embedded backend delivers in
 * process; a shared one across processes (PostgreSQL `LISTEN`/`NOTIFY`).
 */
export interface EngineEvents {
  /** Calls `listener` for every event until the returned function is called. */
  subscribe(listener: (event: EngineEvent) => void): () => void;
}
