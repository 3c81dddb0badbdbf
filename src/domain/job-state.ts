/**
 * Where a job is:
 * - `queued`: admitted, waiting for its issue (an older job of the issue is not finished) or for an
 *   agent slot;
 * - `waiting`: held back until a time, for a reason (a rate limit, Gitea not answering a check the
 *   run needs, a budget); it becomes claimable again at that time and holds no slot meanwhile;
 * - `running`: claimed by a worker, which holds a lease on it and renews it with heartbeats;
 * - `succeeded`, `failed`, `canceled`: final.
 */
export type JobState = 'queued' | 'waiting' | 'running' | 'succeeded' | 'failed' | 'canceled';

/** Every state, in order of a job's life. */
export const JOB_STATES: readonly JobState[] = ['queued', 'waiting', 'running', 'succeeded', 'failed', 'canceled'];

/** True for the states in which a job still holds or waits for its issue. */
export function isActive(state: JobState): boolean {
  return state === 'queued' || state === 'waiting' || state === 'running';
}

/** Why a job waits (state `waiting`). */
export type WaitReason = 'rate-limit' | 'gitea' | 'budget';

/** A waiting job's reason, the detail shown in its status comment, and until when (ISO 8601). */
export interface JobWait {
  reason: WaitReason;
  detail: string;
  until: string;
  /** How many times in a row the job has waited for this reason (backoff). */
  times: number;
}
