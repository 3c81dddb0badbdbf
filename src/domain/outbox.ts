import { instancePrefix } from './repo-ref.js';
import { createHash } from 'node:crypto';
import { MARKER_PREFIX } from './marker.js';
import type { NotificationPayload, NotifyTarget } from './job-notification.js';
import type { JobState } from './job.js';

/**
 * A pending write to Gitea. Every write goes through the durable outbox so that nothing is lost
 * while Gitea is down and nothing is written twice: the status comment of a job is rendered from
 * the job when the item is sent (so queued → running → succeeded may coalesce into one write).
 */
export type OutboxOp =
  /** Create the job's status comment if it has none yet, else edit it to the job's current state. */
  | { kind: 'status_comment'; jobId: string }
  /** `POST …/issues/comments/{id}/reactions` (201 new / 200 existing are both success). */
  | { kind: 'reaction'; owner: string; repo: string; commentId: number; content: string }
  /** `DELETE …/issues/{n}/labels/{id}` (Gitea removes labels by id only). */
  | { kind: 'remove_label'; owner: string; repo: string; number: number; labelId: number }
  /**
   * A plain comment (replies, refusals). Every `@name` in it is made inert when it is sent, except
   * those of `mentions` (the person answered).
   */
  | { kind: 'comment'; owner: string; repo: string; number: number; body: string; mentions?: string[] }
  /**
   * Mirrors the state of the work issue `issueKey` as one of the labels `kugetsu/queued`,
   * `kugetsu/running`, `kugetsu/done`, `kugetsu/failed` on issue or PR `number` (none after a
   * cancel): the labels are created in the repository when missing, the one for the state is added
   * by id and the other three removed by id. Like the status comment, the state is read from the
   * store when the item is sent (coalescing keeps the *first* pending row of a key, so the row
   * cannot carry the latest state); `state` is the job state at enqueue time, used only when the
   * store has no job of `issueKey` any more.
   */
  | { kind: 'state_label'; owner: string; repo: string; number: number; issueKey: string; state: JobState }
  /**
   * Opens a pull request `head` → `base` unless an open one with head `head` exists
   * (`GET …/pulls?state=open` first, so a retry after a lost answer never opens a second one),
   * then stores its number and URL on job `jobId` (when given) and refreshes that job's status
   * comment. `issueNumber` is the issue the PR works on. Mentions in title and body are made inert,
   * except those of `mentions` (the requester).
   */
  | { kind: 'ensure_pull_request'; owner: string; repo: string; issueNumber: number; head: string; base: string; title: string; body: string; jobId?: string; mentions?: string[] }
  /**
   * `POST …/statuses/{sha}`. With `prHead`, sent only while an open pull request has that head
   * branch (else done without a write). Without `targetUrl`, the status comment of job `jobId`
   * is linked when it exists by then.
   */
  | {
      kind: 'commit_status';
      owner: string;
      repo: string;
      sha: string;
      /** Gitea's commit status states (v1.25.4 swagger `CommitStatusState`). */
      state: 'pending' | 'success' | 'error' | 'failure' | 'warning';
      description: string;
      context: string;
      targetUrl?: string;
      jobId?: string;
      prHead?: string;
    }
  /**
   * A job notification: `POST url` with `payload` as JSON, signed with the key `secret` names
   * (see `report/send-notification.ts`). Never sent to Gitea; grouped per URL (`notify:<hash>`), so
   * a slow or failing receiver holds back only its own notifications.
   */
  | { kind: 'notify'; url: string; secret: NotifyTarget['secret']; payload: NotificationPayload };

/** What a writer hands to the store. */
export interface NewOutboxItem {
  /**
   * Coalescing key: while an item with the same key is pending, enqueueing again does not add a
   * second row (e.g. `status:12` — the worker renders the latest state anyway).
   */
  key: string;
  /** Writes of one group are sent in order; a failing write holds back later ones of its group. The issue key. */
  group: string;
  op: OutboxOp;
}

/** A stored outbox item. Times are ms since the epoch. */
export interface OutboxItem extends NewOutboxItem {
  id: number;
  state: 'pending' | 'done' | 'failed';
  /** Send attempts so far (0 = never tried). */
  attempts: number;
  /** Not to be sent before this time (ms since epoch). */
  nextAttemptAt: number;
  lastError?: string;
  createdAt: number;
  /** True when a claim of another process had lapsed on it (that process may have written it before dying). */
  claimedBefore?: boolean;
}

/** The outbox item that brings a job's status comment up to date (coalesced per job while pending). */
export function statusCommentItem(job: { id: string; issueKey: string }): NewOutboxItem {
  return { key: `status:${job.id}`, group: job.issueKey, op: { kind: 'status_comment', jobId: job.id } };
}

/**
 * The outbox item that takes the trigger label off the issue (by id: Gitea removes labels by id
 * only), written when the job starts — while the job waits the label stays, and a person removing
 * it cancels the job.
 */
export function unlabelItem(job: {
  issueKey: string;
  repo: { owner: string; name: string; instance?: string | undefined; host?: string | undefined };
  issueNumber: number;
  triggerLabelId?: number | undefined;
}): NewOutboxItem[] {
  if (job.triggerLabelId === undefined) return [];
  const { owner, name } = job.repo;
  return [
    {
      key: `unlabel:${instancePrefix(job.repo)}${owner}/${name}#${job.issueNumber}:${job.triggerLabelId}`,
      group: job.issueKey,
      op: { kind: 'remove_label', owner, repo: name, number: job.issueNumber, labelId: job.triggerLabelId },
    },
  ];
}

/** A request made in a comment, as the outbox builders below need it. */
interface CommentRequest {
  issueKey: string;
  repo: { owner: string; name: string };
  replyTo: number;
  commentId?: number | undefined;
  /** Who asked: a reply may mention them; every other mention in it is made inert. */
  sender?: { login: string } | undefined;
}

/** The 👀 reaction on the comment that carried a command (none when the request had no comment). */
export function eyesItem(request: CommentRequest): NewOutboxItem[] {
  if (request.commentId === undefined) return [];
  const { owner, name } = request.repo;
  return [
    {
      key: `reaction:${owner}/${name}:${request.commentId}:eyes`,
      group: request.issueKey,
      op: { kind: 'reaction', owner, repo: name, commentId: request.commentId, content: 'eyes' },
    },
  ];
}

/**
 * A reply comment on the issue or PR the request came from. Its first line is
 * `<!-- kugetsu:reply id=… -->` with an id of the answered event, so kugetsu never takes it for a
 * command and the outbox can find it again when the answer to its create was lost. Only the
 * request's sender may be mentioned in it (see `neutralizeMentions`, applied when it is sent).
 */
export function replyItem(request: CommentRequest, eventKey: string, text: string): NewOutboxItem {
  const { owner, name } = request.repo;
  const marker = `${MARKER_PREFIX}reply id=${createHash('sha256').update(eventKey).digest('hex').slice(0, 16)} -->`;
  const mentions = request.sender ? [request.sender.login] : [];
  return { key: `reply:${eventKey}`, group: request.issueKey, op: { kind: 'comment', owner, repo: name, number: request.replyTo, body: `${marker}\n${text}\n`, mentions } };
}
