import type { JobWrite } from '../engine/job-browser.js';
import type { OutboxItem, OutboxOp } from '../domain/outbox.js';

/**
 * An `outbox` row as both stores read it; `op` is JSON text, times are ms since the epoch.
 * `was` (PostgreSQL's claim only): the claimant before this claim.
 */
export interface OutboxRow {
  id: number;
  key: string;
  group_key: string;
  op: string;
  state: string;
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
  created_at: number;
  claimed_by?: string | null;
  claim_until?: number | null;
  was?: string | null;
}

/**
 * The item of an outbox row, for both stores. `claimedBefore` is set when the row had a claimant
 * before this read: `was` for a row PostgreSQL just claimed, else `claimed_by` (SQLite reads the row
 * before its claim).
 */
export function outboxFromRow(row: OutboxRow): OutboxItem {
  const item: OutboxItem = {
    id: row.id,
    key: row.key,
    group: row.group_key,
    op: JSON.parse(row.op) as OutboxOp,
    state: row.state as OutboxItem['state'],
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at,
    createdAt: row.created_at,
  };
  if (row.last_error !== null) item.lastError = row.last_error;
  if ('was' in row ? row.was : row.claimed_by) item.claimedBefore = true;
  return item;
}

/** An outbox row as a job's writes list reads it (times ms since the epoch). */
export interface JobWriteRow {
  id: number;
  kind: string;
  state: string;
  attempts: number;
  last_error: string | null;
  created_at: number;
  done_at: number | null;
}

/** The {@link JobWrite} of a row (times as ISO 8601), for both stores. */
export function jobWriteFromRow(row: JobWriteRow): JobWrite {
  const write: JobWrite = {
    id: row.id,
    kind: row.kind as JobWrite['kind'],
    state: row.state as JobWrite['state'],
    attempts: row.attempts,
    createdAt: new Date(row.created_at).toISOString(),
  };
  if (row.last_error !== null) write.lastError = row.last_error;
  if (row.done_at !== null) write.doneAt = new Date(row.done_at).toISOString();
  return write;
}
