import type { JobState } from './job-state.js';

/**
 * A change of a job's state, as the one job state machine knows it:
 * - `admit`: a new job, `queued` (or `waiting` when admitted over a start rate);
 * - `claim`: a worker takes a `queued` job, or a `waiting` one whose time has come → `running`;
 * - `start`: the running turn's worktree is ready (its start commit is known) — `running` stays;
 * - `progress`: the running or waiting job's status comment is refreshed — the state stays;
 * - `wait`: a `queued` or `running` job waits for a reason until a time → `waiting`;
 * - `interrupt`: the worker stopped (shutdown, death: its lease expired) → `queued` as the next
 *   attempt, or `failed` after the last one;
 * - `finish`: the turn ended → `succeeded`, `failed` or `canceled`;
 * - `cancel`: a `queued` or `waiting` job is canceled before it runs → `canceled` (a running job is
 *   canceled by asking its worker, which then `finish`es it as `canceled`).
 */
export type TransitionKind = 'admit' | 'claim' | 'start' | 'progress' | 'wait' | 'interrupt' | 'finish' | 'cancel';

/** The states a transition may start from, and the states it may lead to. */
export const TRANSITIONS: Readonly<Record<TransitionKind, { from: readonly JobState[]; to: readonly JobState[] }>> = {
  admit: { from: [], to: ['queued', 'waiting'] },
  claim: { from: ['queued', 'waiting'], to: ['running'] },
  start: { from: ['running'], to: ['running'] },
  progress: { from: ['queued', 'waiting', 'running'], to: ['queued', 'waiting', 'running'] },
  wait: { from: ['queued', 'running'], to: ['waiting'] },
  interrupt: { from: ['running'], to: ['queued', 'failed'] },
  finish: { from: ['running'], to: ['succeeded', 'failed', 'canceled'] },
  cancel: { from: ['queued', 'waiting'], to: ['canceled'] },
};

/**
 * A Gitea write a transition causes (built into outbox items by `report/`, sent by the outbox):
 * - `status-comment`: create the job's status comment, or bring it to the job's current state;
 * - `eyes-reaction`: 👀 on the comment that carried the command;
 * - `state-label`: the issue's `kugetsu/…` state label follows the job;
 * - `remove-trigger-label`: the trigger label comes off the issue (the work was picked up);
 * - `commit-status`: `pending` on the branch head when a turn starts, the outcome when it ends
 *   (only while an open pull request has the branch as head);
 * - `pull-request`: a pull request for a pushed branch (when the repository wants one).
 */
export type JobEffect = 'status-comment' | 'eyes-reaction' | 'state-label' | 'remove-trigger-label' | 'commit-status' | 'pull-request';

/** What each transition writes to Gitea, in this order. */
export const TRANSITION_EFFECTS: Readonly<Record<TransitionKind, readonly JobEffect[]>> = {
  admit: ['status-comment', 'eyes-reaction', 'state-label'],
  claim: ['remove-trigger-label', 'status-comment', 'state-label'],
  start: ['commit-status'],
  progress: ['status-comment'],
  wait: ['status-comment', 'state-label'],
  interrupt: ['status-comment', 'state-label', 'commit-status'],
  finish: ['pull-request', 'status-comment', 'state-label', 'commit-status'],
  cancel: ['status-comment', 'state-label'],
};

/** True when `kind` may take a job in state `from` to state `to`. */
export function allowed(kind: TransitionKind, from: JobState | undefined, to: JobState): boolean {
  const t = TRANSITIONS[kind];
  return (from === undefined ? t.from.length === 0 : t.from.includes(from)) && t.to.includes(to);
}
