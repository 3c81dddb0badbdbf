import type { RepoRef } from '../domain/repo-ref.js';
import type { Actor } from '../domain/delegation.js';

export type { Actor } from '../domain/delegation.js';

/** An issue (or a PR seen as an issue) as a webhook described it. */
export interface IssueSnapshot {
  number: number;
  title: string;
  body: string;
  htmlUrl: string;
  labels: Array<{ id: number; name: string }>;
  isPull: boolean;
  /** True when Gitea's API says the issue is closed (set by the confirmation; a payload's word is not taken). */
  closed?: boolean;
}

/**
 * A delivery reduced to what kugetsu can act on. Label events carry the whole current label set,
 * never a delta (Gitea v1.25.4 `services/webhook/notifier.go`; gitea-contract.md §2).
 */
export type GiteaEvent =
  | { kind: 'issue_labels_changed'; repo: RepoRef; issue: IssueSnapshot; sender: Actor }
  | {
      kind: 'comment_created';
      repo: RepoRef;
      issue: IssueSnapshot;
      comment: { id: number; body: string; htmlUrl: string };
      /**
       * The PR's head branch when the comment is on a PR and the payload says (Gitea ≥ 1.23), and
       * whether it comes from a fork; `undefined` for an issue or an older payload.
       */
      pull: { headRef: string; fromFork: boolean } | undefined;
      sender: Actor;
    }
  | {
      kind: 'review_rejected';
      repo: RepoRef;
      /** `fromFork`: the head branch lives in another repository (a fork), so it is not kugetsu's branch. */
      pull: { number: number; title: string; htmlUrl: string; headRef: string; fromFork: boolean };
      review: { content: string };
      sender: Actor;
    };

/** What normalising a delivery gives: an event, a reason to ignore it, or a reason it is invalid. */
export type NormalizeResult = { ok: true; event: GiteaEvent } | { ok: false; ignored: string } | { ok: false; invalid: string };
