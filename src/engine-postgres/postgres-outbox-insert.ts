import type { PoolClient } from 'pg';
import type { NewOutboxItem } from '../domain/outbox.js';
import { ENGINE_SQL } from './postgres-engine-statements.js';
import { SQL } from './postgres-statements.js';

/**
 * Inserts outbox items in the caller's transaction, in order, one statement each (so ids follow
 * the order of `items`; a pending row with the same key makes an insert add nothing: coalescing).
 * Each row records its op's kind and the job it was made for: `jobId` when given (the job whose
 * change made it), else the job its op names (`jobId` of the op), else none.
 * Returns how many items were given.
 *
 * **Why a coalesced item locks the pending row.** The outbox worker renders a status comment from
 * the job, sends it, marks the item done and then re-reads the job: a change that coalesced into
 * the item meanwhile is caught there and queued again. With `DO NOTHING`, a job change in another
 * process could coalesce into the pending row, the worker mark it done and re-read the job — all
 * before the change committed — and the change would never reach Gitea. So the coalescing insert
 * takes the pending row's lock (`ON CONFLICT … DO UPDATE`, a no-op update): marking it done waits
 * for the change to commit, and the re-read sees it. The other way round, an insert that meets a
 * row being marked done waits for that, finds no pending row any more and adds one (PostgreSQL 15
 * docs, INSERT, "ON CONFLICT Clause").
 *
 * **Why the group locks.** Ids come from an identity sequence when a row is *inserted*, not when
 * its transaction commits. Without more, transaction A could insert item 4 of an issue's group,
 * transaction B item 5 of the same group, B commit first — and `claimOutbox`, seeing only committed
 * rows, would take 5 for the head of the group and send it before 4. So every transaction that
 * inserts into a group first takes `pg_advisory_xact_lock(OUTBOX_GROUP_LOCK_CLASS, hashtext(group))`
 * and keeps it until it ends: inserts of one group take turns, each transaction's rows get their ids
 * only after the previous inserter committed (or rolled back). Then any snapshot that shows an item
 * of a group also shows every older item of it, and "the oldest pending item of a group" means the
 * same in every process. Chosen over a lock in `claimOutbox` that waits for in-flight inserters
 * because the inserter knows its groups and the claimer does not; the cost is that writes to one
 * issue's outbox commit one at a time (they are a few per job). The groups of one call are locked
 * in sorted order; a deadlock with another transaction locking groups in another order (a claim
 * taking one job's group after another's) is resolved by PostgreSQL aborting one of them, which
 * `inTransaction` runs again.
 */
export async function insertOutbox(c: PoolClient, items: readonly NewOutboxItem[], now: Date, jobId?: number): Promise<number> {
  if (items.length === 0) return 0;
  const groups = [...new Set(items.map((item) => item.group))].sort();
  await c.query(ENGINE_SQL.lockOutboxGroups, [groups]);
  const ms = now.getTime();
  for (const item of items) {
    const named = 'jobId' in item.op && item.op.jobId !== undefined && /^[1-9]\d{0,15}$/.test(item.op.jobId) ? Number(item.op.jobId) : null;
    await c.query(SQL.outboxInsert, [item.key, item.group, JSON.stringify(item.op), ms, item.op.kind, jobId ?? named]);
  }
  return items.length;
}
