import type { Job } from '../domain/job.js';
import type { TurnUsage } from '../domain/turn-usage.js';

/** The fields of a job that `kugetsu jobs` and `GET /admin/jobs` show (no payloads, no output). */
export interface JobSummary {
  id: string;
  issueKey: string;
  state: Job['state'];
  trigger: Job['trigger'];
  sender: string;
  attempt: number;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  /** Where the running server's scheduler has it (`waiting-for-issue`, `waiting-for-slot`, `running`). */
  place?: string;
  exitCode?: number | null;
  failedPhase?: string;
  /** Tokens and cost of the job's turn, when the agent reported them. */
  usage?: TurnUsage;
}

/** A job reduced to a {@link JobSummary}. */
export function summarizeJob(job: Job, place?: string): JobSummary {
  const s: JobSummary = {
    id: job.id,
    issueKey: job.issueKey,
    state: job.state,
    trigger: job.trigger,
    sender: job.sender.login,
    attempt: job.attempt,
    createdAt: job.createdAt,
  };
  if (job.startedAt) s.startedAt = job.startedAt;
  if (job.finishedAt) s.finishedAt = job.finishedAt;
  if (place) s.place = place;
  if (job.result) s.exitCode = job.result.exitCode;
  if (job.result?.failedPhase) s.failedPhase = job.result.failedPhase;
  if (job.result?.usage) s.usage = job.result.usage;
  return s;
}
