import type { TransitionKind } from '../domain/job-transitions.js';
import type { Job } from '../domain/job.js';
import { eyesItem, statusCommentItem, unlabelItem, type NewOutboxItem } from '../domain/outbox.js';
import { finishedItems, stateLabelItems, turnStartedItems, type ReportSettings } from './report-items.js';

/**
 * The outbox items of a transition (`domain/job-transitions.ts` `TRANSITION_EFFECTS` says which
 * Gitea writes each causes), for `job` as it is after the transition, with the repository's
 * report switches:
 * - `admit`: the status comment, 👀 on the command, the state label;
 * - `claim`: the trigger label off, the status comment, the state label;
 * - `start`: the `pending` commit status on `startSha`;
 * - `progress`: the status comment;
 * - `wait`: the status comment (why and until when), the state label;
 * - `interrupt`: the status comment, the state label, and — when the job failed after its last
 *   attempt — the final commit status;
 * - `finish` / `cancel`: the pull request (a pushed success), the status comment, the final
 *   commit status, the state label.
 */
export function transitionItems(kind: TransitionKind, job: Job, settings: ReportSettings, startSha?: string): NewOutboxItem[] {
  switch (kind) {
    case 'admit':
      return [statusCommentItem(job), ...eyesItem(job), ...stateLabelItems(job, job.state, settings)];
    case 'claim':
      return [...unlabelItem(job), statusCommentItem(job), ...stateLabelItems(job, 'running', settings)];
    case 'start':
      return startSha ? turnStartedItems(job, startSha) : [];
    case 'progress':
      return [statusCommentItem(job)];
    case 'wait':
      return [statusCommentItem(job), ...stateLabelItems(job, 'waiting', settings)];
    case 'interrupt':
      return job.state === 'failed' ? finishedItems(job, 'failed', job.result, settings) : [statusCommentItem(job), ...stateLabelItems(job, job.state, settings)];
    case 'finish':
    case 'cancel':
      return finishedItems(job, job.state, job.result, settings);
  }
}
