import { MARKER_PREFIX } from '../domain/marker.js';
import { issueKey } from '../domain/issue-key.js';
import { issueNumberOfBranch } from '../domain/branch.js';
import { isSafeRepoRef } from '../domain/repo-ref.js';
import type { GiteaEvent } from '../events/event.js';
import type { DelegationRequest, Intent } from './intent.js';
import type { RepoSettings } from '../config/repo-settings.js';
import { classifyCommand } from './classify-command.js';
import { parseCommand } from './parse-command.js';

/** The marker every comment kugetsu writes carries; comments with it never trigger anything. */
export const STATUS_MARKER_PREFIX = MARKER_PREFIX;

/** The settings and facts routing depends on. */
export interface RoutePolicy {
  /** The repository's trigger labels, command word and branch template (its `webhooks/` settings). */
  settingsFor: (owner: string, repo: string) => Pick<RepoSettings, 'triggerLabels' | 'command' | 'branchTemplate'>;
  /** The bot's user id (`GET /user`); events it caused never trigger work. */
  botUserId: number | undefined;
}

/**
 * Decides what an event asks of kugetsu — a pure function, no I/O:
 * 1. labels changed and the trigger label is present → delegate (label), unless Gitea says the
 *    issue is closed; the caller drops it when a delegation is already queued or running for the
 *    issue (label events carry no delta);
 * 2. a new comment with a `/kugetsu` line → delegate (command) with the rest as the message;
 *    on a PR whose head is `kugetsu/issue-<n>` the work goes to issue n;
 * 3. changes requested on a PR whose head is `kugetsu/issue-<n>` → a follow-up turn on issue n.
 *    A PR from a fork is never kugetsu's, whatever its branch is called.
 * Everything else → ignore with a reason a person can read.
 */
export function routeEvent(event: GiteaEvent, policy: RoutePolicy): Intent {
  if (policy.botUserId !== undefined && event.sender.id === policy.botUserId) {
    return { kind: 'ignore', reason: "sent by kugetsu's own account" };
  }
  const { repo } = event;
  if (!isSafeRepoRef(repo)) {
    return { kind: 'ignore', reason: `repository name "${repo.owner}/${repo.name}" is not one kugetsu can work on safely` };
  }
  const settings = policy.settingsFor(repo.owner, repo.name);

  switch (event.kind) {
    case 'issue_labels_changed': {
      const wanted = settings.triggerLabels.map((l) => l.toLowerCase());
      const label = event.issue.labels.find((l) => wanted.includes(l.name.toLowerCase()));
      const key = issueKey(repo.owner, repo.name, event.issue.number, repo.host);
      if (!label) {
        return {
          kind: 'control',
          action: 'label-removed',
          request: { issueKey: key, repo, issueNumber: event.issue.number, replyTo: event.issue.number, trigger: 'label', message: '', sender: event.sender },
        };
      }
      // A closed issue keeps its labels: editing them is not asking for work (a command still is).
      if (event.issue.closed) return { kind: 'ignore', reason: `issue #${event.issue.number} is closed; reopen it to delegate it by its label` };
      return {
        kind: 'delegate',
        delegation: {
          issueKey: key,
          repo,
          issueNumber: event.issue.number,
          replyTo: event.issue.number,
          trigger: 'label',
          message: '',
          sender: event.sender,
          triggerLabelId: label.id,
          issueSnapshot: { title: event.issue.title, body: event.issue.body },
        },
      };
    }
    case 'comment_created': {
      if (event.comment.body.includes(STATUS_MARKER_PREFIX)) return { kind: 'ignore', reason: 'comment was written by kugetsu' };
      const parsed = parseCommand(event.comment.body, settings.command);
      if (!parsed) return { kind: 'ignore', reason: `comment has no line starting with ${settings.command}` };
      // Only a branch in the repository itself is kugetsu's: a fork's branch of the same name is not.
      const linked = event.issue.isPull && event.pull && !event.pull.fromFork ? issueNumberOfBranch(event.pull.headRef, settings.branchTemplate) : undefined;
      // A command on someone else's pull request works on that PR's own branch.
      const onPull =
        event.issue.isPull && linked === undefined
          ? { onPullRequest: { number: event.issue.number, ...(event.pull ? { headRef: event.pull.headRef, fromFork: event.pull.fromFork } : {}) } }
          : {};
      const workIssue = linked ?? event.issue.number;
      const what = classifyCommand(parsed.message);
      if (what.kind !== 'message') {
        const request: DelegationRequest = {
          issueKey: issueKey(repo.owner, repo.name, workIssue, repo.host),
          repo,
          issueNumber: workIssue,
          replyTo: event.issue.number,
          trigger: 'command',
          message: '',
          sender: event.sender,
          commentId: event.comment.id,
        };
        return what.kind === 'subcommand'
          ? { kind: 'control', action: what.name, request }
          : { kind: 'control', action: 'suggest', word: what.word, suggestion: what.suggestion, request };
      }
      return {
        kind: 'delegate',
        delegation: {
          issueKey: issueKey(repo.owner, repo.name, workIssue, repo.host),
          repo,
          issueNumber: workIssue,
          replyTo: event.issue.number,
          trigger: 'command',
          message: parsed.message,
          sender: event.sender,
          commentId: event.comment.id,
          ...onPull,
          ...(linked === undefined ? { issueSnapshot: { title: event.issue.title, body: event.issue.body } } : {}),
        },
      };
    }
    case 'review_rejected': {
      const linked = issueNumberOfBranch(event.pull.headRef, settings.branchTemplate);
      if (linked === undefined) {
        return { kind: 'ignore', reason: `pull request head branch "${event.pull.headRef}" was not created by kugetsu` };
      }
      if (event.pull.fromFork) {
        return { kind: 'ignore', reason: `pull request #${event.pull.number} comes from a fork: its branch "${event.pull.headRef}" is not kugetsu's` };
      }
      return {
        kind: 'delegate',
        delegation: {
          issueKey: issueKey(repo.owner, repo.name, linked, repo.host),
          repo,
          issueNumber: linked,
          replyTo: event.pull.number,
          trigger: 'review',
          message: event.review.content.trim(),
          sender: event.sender,
        },
      };
    }
  }
}
