import type { z } from 'zod';
import type { Delivery } from '../domain/delivery.js';
import type { RepoRef } from '../domain/repo-ref.js';
import { ACTED_ON_EVENT_TYPES, unhandledTypeReason } from './acted-on-event-types.js';
import type { IssueSnapshot, NormalizeResult } from './event.js';
import { commentPayloadSchema, issuePayloadSchema, type repositorySchema, reviewPayloadSchema, type issueSchema } from './payload-schemas.js';

function repoRef(r: z.infer<typeof repositorySchema>, from: Pick<Delivery, 'instance' | 'host'>): RepoRef {
  return {
    ...(from.instance !== undefined ? { instance: from.instance } : {}),
    ...(from.host !== undefined ? { host: from.host } : {}),
    owner: r.owner.login,
    name: r.name,
    fullName: r.full_name,
    cloneUrl: r.clone_url,
    defaultBranch: r.default_branch,
    htmlUrl: r.html_url,
  };
}

function issueSnapshot(i: z.infer<typeof issueSchema>, isPull: boolean): IssueSnapshot {
  return { number: i.number, title: i.title, body: i.body, htmlUrl: i.html_url, labels: i.labels, isPull };
}

function invalid(eventType: string, error: z.ZodError): NormalizeResult {
  const first = error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`);
  return { ok: false, invalid: `${eventType} payload is missing fields kugetsu needs: ${first.join('; ')}` };
}

/**
 * Turns a delivery into a {@link GiteaEvent}, routing on the fine event type
 * (`X-Gitea-Event-Type`, never the coarse `X-Gitea-Event`: gitea-contract.md §1). Only the types
 * of `ACTED_ON_EVENT_TYPES` get past the first line — the list the door's prescreen reads too, so
 * a type routed here but missing there would be dead code, never a delivery the door drops.
 * Returns `ignored` for event types and actions kugetsu does not act on, and `invalid` (→ HTTP 400)
 * when a handled event lacks a required field. Never throws.
 */
export function normalizeDelivery(delivery: Delivery): NormalizeResult {
  const { eventType, payload } = delivery;
  if (!ACTED_ON_EVENT_TYPES.has(eventType)) return { ok: false, ignored: unhandledTypeReason(eventType) };
  const raw = typeof payload === 'object' && payload !== null ? (payload as { action?: unknown }).action : undefined;
  // Never `String(raw)`: a hostile object's toString may throw. A non-string action is no action.
  const action = typeof raw === 'string' ? raw.slice(0, 64) : undefined;

  switch (eventType) {
    case 'issue_label': {
      // label_cleared: every label was removed at once (Gitea v1.25 `services/issue/label.go`
      // ClearIssueLabels → HookIssueLabelCleared); the payload's issue then carries no labels.
      if (action !== 'label_updated' && action !== 'label_cleared') return { ok: false, ignored: `issue_label action "${action}" does not change labels` };
      const p = issuePayloadSchema.safeParse(payload);
      if (!p.success) return invalid(eventType, p.error);
      return { ok: true, event: { kind: 'issue_labels_changed', repo: repoRef(p.data.repository, delivery), issue: issueSnapshot(p.data.issue, false), sender: p.data.sender } };
    }
    case 'issue_comment':
    case 'pull_request_comment': {
      // A review submitted as "Comment" arrives as pull_request_review_comment; before Gitea 1.19.1
      // it came as pull_request_comment with action "reviewed" — not a plain comment either way.
      if (action !== 'created') return { ok: false, ignored: `${eventType} action "${action}" is not a new comment` };
      const p = commentPayloadSchema.safeParse(payload);
      if (!p.success) return invalid(eventType, p.error);
      const isPull = eventType === 'pull_request_comment' || p.data.is_pull === true || p.data.issue.pull_request != null;
      return {
        ok: true,
        event: {
          kind: 'comment_created',
          repo: repoRef(p.data.repository, delivery),
          issue: issueSnapshot(p.data.issue, isPull),
          comment: { id: p.data.comment.id, body: p.data.comment.body, htmlUrl: p.data.comment.html_url },
          pull: p.data.pull_request
            ? {
                headRef: p.data.pull_request.head.ref,
                fromFork:
                  p.data.pull_request.head.repo_id != null && p.data.pull_request.base?.repo_id != null && p.data.pull_request.head.repo_id !== p.data.pull_request.base.repo_id,
              }
            : undefined,
          sender: p.data.sender,
        },
      };
    }
    case 'pull_request_review_rejected': {
      if (action !== 'reviewed') return { ok: false, ignored: `pull_request_review_rejected action "${action}" is not a submitted review` };
      const p = reviewPayloadSchema.safeParse(payload);
      if (!p.success) return invalid(eventType, p.error);
      const pr = p.data.pull_request;
      return {
        ok: true,
        event: {
          kind: 'review_rejected',
          repo: repoRef(p.data.repository, delivery),
          pull: {
            number: pr.number,
            title: pr.title,
            htmlUrl: pr.html_url,
            headRef: pr.head.ref,
            fromFork: pr.head.repo_id != null && pr.base?.repo_id != null && pr.head.repo_id !== pr.base.repo_id,
          },
          review: { content: p.data.review.content },
          sender: p.data.sender,
        },
      };
    }
    default:
      return { ok: false, ignored: unhandledTypeReason(eventType) };
  }
}
