import type { IssueKey } from './issue-key.js';
import type { RepoRef } from './repo-ref.js';

/** The person (or bot) whose action caused an event: the payload's `sender`, or who Gitea says did it. */
export interface Actor {
  id: number;
  login: string;
}

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
