import type { JobState, JobWait } from './job-state.js';

/** Why a claim holds a candidate back, and until when (ISO 8601); `detail` goes to its status comment. */
export interface ClaimHold {
  detail: string;
  until: string;
}

/**
 * The wait a claim sets on a candidate held back for `reason` (`hold`: why, until when): the
 * `waiting` to write — `times` counting on from the job's current wait for the same reason, else 1 —
 * and the history detail (`waiting for budget: …` / `waiting: …`); `undefined` when the job already
 * waits for that reason until that very time (nothing to write). Shared by the claims of both stores.
 */
export function claimWait(job: { state: JobState; waiting?: JobWait }, reason: 'budget' | 'rate-limit', hold: ClaimHold): { waiting: JobWait; detail: string } | undefined {
  const current = job.waiting?.reason === reason ? job.waiting : undefined;
  if (job.state === 'waiting' && current?.until === hold.until) return undefined;
  return {
    waiting: { reason, detail: hold.detail, until: hold.until, times: (current?.times ?? 0) + 1 },
    detail: `${reason === 'budget' ? 'waiting for budget' : 'waiting'}: ${hold.detail}`,
  };
}
