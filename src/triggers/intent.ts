import type { IssueKey } from '../domain/issue-key.js';
import type { RepoRef } from '../domain/repo-ref.js';
import type { Actor } from '../events/event.js';

/** Which kind of trigger asked for the work. */
export type TriggerKind = 'label' | 'command' | 'review';

/**
 * A person's request for agent work on one issue, before it is stored as a job.
 * `issueNumber` is the issue whose worktree and session are used; `replyTo` is the issue or PR
 * where the request was made and where the status comment goes (they differ for a review or a
 * comment on a PR kugetsu opened for an issue).
 */
export interface DelegationRequest {
  issueKey: IssueKey;
  repo: RepoRef;
  issueNumber: number;
  replyTo: number;
  trigger: TriggerKind;
  /** The delegator's message (command text or review text); `""` for a label trigger. */
  message: string;
  sender: Actor;
  /** The comment that carried the command (gets the 👀 reaction). */
  commentId?: number;
  /**
   * Set for a command on a pull request kugetsu did not open: the work happens on that PR's own
   * head branch (`headRef`, when the payload said; else the job runner asks Gitea), not on a new
   * issue branch. `fromFork` PRs are refused at run time with a message (kugetsu cannot push there).
   */
  onPullRequest?: { number: number; headRef?: string; fromFork?: boolean };
  /** The issue as the event described it, used for the prompt when Gitea cannot be read at run time. */
  issueSnapshot?: { title: string; body: string };
  /** Id of the trigger label to remove from the issue when the work is picked up (ids only: Gitea removes labels by id). */
  triggerLabelId?: number;
}

/**
 * A `/kugetsu` subcommand (or a near miss of one), with the context of the comment it came in;
 * `request.message` is empty. `label-removed`: a person took the trigger label off the issue (a
 * queued label job is canceled).
 */
export type ControlAction =
  | { action: 'help' | 'status' | 'stop' | 'retry' | 'reset' }
  | { action: 'suggest'; word: string; suggestion: string }
  | { action: 'label-removed' };

/** What routing an event gives: work to delegate, a control action, or the reason there is none. */
export type Intent =
  | { kind: 'delegate'; delegation: DelegationRequest }
  | ({ kind: 'control'; request: DelegationRequest } & ControlAction)
  | { kind: 'ignore'; reason: string };
