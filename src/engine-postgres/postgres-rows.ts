import type { IssueKey } from '../domain/issue-key.js';
import type { DeferredEvent, IssueSession } from '../store/job-store.js';

/** A `sessions` row; `export` is `bytea` (a `Buffer` from `pg`), absent from listings. */
export interface SessionRow {
  issue_key: string;
  agent: string;
  session_id: string | null;
  worktree_path: string;
  branch: string;
  updated_at: string;
  export?: Buffer | null;
}

/** A `deferred_events` row; `event` is JSON text, `next_attempt_at` ms since the epoch. */
export interface DeferredRow {
  event_key: string;
  delivery_id: string;
  event_type: string;
  received_at: string;
  event: string;
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
}

/** The session of a row (with its export when the row carries one). */
export function sessionFromRow(row: SessionRow): IssueSession {
  const session: IssueSession = {
    issueKey: row.issue_key as IssueKey,
    agent: row.agent,
    sessionId: row.session_id ?? undefined,
    worktreePath: row.worktree_path,
    branch: row.branch,
    updatedAt: row.updated_at,
  };
  if (row.export != null) session.export = row.export;
  return session;
}

/** A `deferred_events` row as the engine's {@link DeferredEvent}: the delivery's facts, the claimed event (JSON text), next attempt (ms) and the last error. */
export function deferredFromRow(row: DeferredRow): DeferredEvent {
  const deferred: DeferredEvent = {
    delivery: { id: row.delivery_id, eventType: row.event_type, eventKey: row.event_key, receivedAt: row.received_at },
    event: row.event,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at,
  };
  if (row.last_error !== null) deferred.lastError = row.last_error;
  return deferred;
}
