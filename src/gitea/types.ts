import type { RepoRef } from '../domain/repo-ref.js';

/**
 * The narrow view of Gitea's REST API that kugetsu uses (Gitea v1.25.4 swagger, see
 * `shared/docs/gitea-contract.md` §5). Implemented over gitea-js by `createGiteaClient`; the
 * only importer of gitea-js. Every method rejects with {@link GiteaError} on failure.
 */
export interface GiteaClient {
  /** `GET /user`: the bot's own account (its comments and label changes must not trigger work). */
  currentUser(): Promise<GiteaUser>;
  /** `GET /repos/{o}/{r}/issues/{n}` (a PR is an issue too). */
  getIssue(owner: string, repo: string, n: number): Promise<GiteaIssue>;
  /**
   * `GET /repos/{o}/{r}/issues/{n}/comments`, oldest first, in **one** response: Gitea does not
   * paginate this route (v1.25.4 swagger `issueGetComments` has only `since`/`before`, and
   * `routers/api/v1/repo/issue_comment.go` `ListIssueComments` builds its query without list
   * options), so on a long thread it is as large as the thread. For reads that must stay bounded,
   * use {@link listCommentPage}.
   */
  listComments(owner: string, repo: string, n: number, since?: string): Promise<GiteaComment[]>;
  /**
   * One page of the issue's timeline, `GET /repos/{o}/{r}/issues/{n}/timeline?page=&limit=`
   * (v1.25.4 swagger `issueGetCommentsAndTimeline`, the paginated way to read an issue's comments),
   * reduced to its plain comments (`type: "comment"`), oldest first. `limit` is capped by Gitea at
   * `[api] MAX_RESPONSE_ITEMS` (50 by default). Gitea paginates the timeline rows and only then drops
   * code comments and cross-references the caller may not see, and its `X-Total-Count` is the
   * length of that page, not of the timeline: so a short (even empty) page is not proof of the end;
   * the end is an empty page past every counted comment (see `GiteaIssue.comments`).
   */
  listCommentPage(owner: string, repo: string, n: number, page: number, limit: number): Promise<GiteaCommentPage>;
  /** `POST /repos/{o}/{r}/issues/{n}/comments` → 201. Returns the new comment's id. */
  createComment(owner: string, repo: string, n: number, body: string): Promise<{ id: number }>;
  /** `PATCH /repos/{o}/{r}/issues/comments/{id}` → 200. */
  editComment(owner: string, repo: string, commentId: number, body: string): Promise<void>;
  /** `POST /repos/{o}/{r}/issues/comments/{id}/reactions` `{content}` → 201 new / 200 existing. */
  addCommentReaction(owner: string, repo: string, commentId: number, content: string): Promise<void>;
  /** `DELETE /repos/{o}/{r}/issues/{n}/labels/{id}` → 204. Gitea removes labels by id only. */
  removeIssueLabel(owner: string, repo: string, n: number, labelId: number): Promise<void>;
  /**
   * The latest addition of label `labelId` to issue `n`, from the issue timeline
   * (`GET /repos/{o}/{r}/issues/{n}/timeline`, swagger `issueGetCommentsAndTimeline`): who added it
   * and the id of that timeline entry (one id per addition, so it names "this time the label was
   * added"); `undefined` when the timeline does not say.
   */
  labelAddition(owner: string, repo: string, n: number, labelId: number): Promise<GiteaLabelAddition | undefined>;
  /**
   * `GET /repos/{o}/{r}/issues/comments/{id}` (swagger `issueGetComment`): one comment of the
   * repository. Gitea answers 404 for a comment of another repository and 204 (no body) for a
   * timeline entry that is not a plain comment (v1.25 `routers/api/v1/repo/issue_comment.go`
   * `GetIssueComment`); both reject with a {@link GiteaError} of status 404.
   */
  getComment(owner: string, repo: string, commentId: number): Promise<GiteaComment>;
  /** `GET /repos/{o}/{r}/pulls/{n}/reviews` (swagger `repoListPullReviews`), every page, oldest first. */
  listPullReviews(owner: string, repo: string, n: number): Promise<GiteaReview[]>;
  /** `GET /repos/{o}/{r}` (swagger `repoGet`): the repository as a webhook payload would describe it. */
  getRepository(owner: string, repo: string): Promise<RepoRef>;
  /** `GET /repos/{o}/{r}/pulls/{n}`. */
  getPullRequest(owner: string, repo: string, n: number): Promise<GiteaPullRequest>;

  /** `DELETE /repos/{o}/{r}/issues/comments/{id}` → 204. */
  deleteComment(owner: string, repo: string, commentId: number): Promise<void>;
  /**
   * `POST /repos/{o}/{r}/issues/{n}/labels` `{labels}` → 200 with the issue's labels afterwards.
   * Pass ids or names, never both (Gitea answers 400 to a mixed list); unknown names and ids are
   * silently ignored by Gitea (v1.25 `routers/api/v1/repo/issue_label.go` `prepareForReplaceOrAdd`).
   */
  addIssueLabels(owner: string, repo: string, n: number, labels: readonly number[] | readonly string[]): Promise<GiteaLabel[]>;
  /** `GET /repos/{o}/{r}/labels`, every page. */
  listRepoLabels(owner: string, repo: string): Promise<GiteaLabel[]>;
  /** `POST /repos/{o}/{r}/labels` → 201. `color` is six hex digits, with or without `#`. */
  createLabel(owner: string, repo: string, label: NewGiteaLabel): Promise<GiteaLabel>;
  /**
   * `GET /repos/{o}/{r}/collaborators/{user}/permission` → the user's access mode on the repo.
   * Gitea answers 403 unless the caller is a site admin, a repo admin or that user.
   */
  getCollaboratorPermission(owner: string, repo: string, user: string): Promise<GiteaPermission>;
  /** `POST /repos/{o}/{r}/statuses/{sha}` → 201. */
  createCommitStatus(owner: string, repo: string, sha: string, status: NewGiteaCommitStatus): Promise<void>;
  /** `POST /repos/{o}/{r}/pulls` → 201 (409 when an open PR for the same head and base exists). */
  createPullRequest(owner: string, repo: string, pr: NewGiteaPullRequest): Promise<GiteaPullRequest>;
  /** `GET /repos/{o}/{r}/pulls?state=…`, every page. */
  listPullRequests(owner: string, repo: string, state?: 'open' | 'closed' | 'all'): Promise<GiteaPullRequest[]>;
  /**
   * `GET /repos/{o}/{r}/issues?state=…&labels=…&type=…`, every page (reconciliation: open issues
   * carrying a label). `labels` are names; Gitea returns issues having *any* of them.
   */
  listIssues(owner: string, repo: string, filter?: GiteaIssueFilter): Promise<GiteaIssue[]>;
  /**
   * `GET /repos/{o}/{r}/issues/comments?since=…`, every page: comments on any issue or PR of the
   * repo updated at or after `since` (RFC 3339), oldest first (reconciliation).
   */
  listRepoComments(owner: string, repo: string, since: string): Promise<GiteaComment[]>;
  /** `GET /repos/{o}/{r}/hooks`, every page. */
  listHooks(owner: string, repo: string): Promise<GiteaHook[]>;
  /** `POST /repos/{o}/{r}/hooks` → 201. Sends `active: true` unless told otherwise (Gitea's default is false). */
  createHook(owner: string, repo: string, hook: NewGiteaHook): Promise<GiteaHook>;
  /**
   * `PATCH /repos/{o}/{r}/hooks/{id}` → 200. Gitea replaces `events` and `branch_filter` (an edit
   * without events leaves a push-only hook) and does not apply `config.secret`: to rotate a secret,
   * create a new hook and delete the old one (contract §4).
   */
  editHook(owner: string, repo: string, id: number, hook: GiteaHookEdit): Promise<GiteaHook>;
  /** `DELETE /repos/{o}/{r}/hooks/{id}` → 204. */
  deleteHook(owner: string, repo: string, id: number): Promise<void>;
}

/**
 * A user's access mode on a repository, as `GET …/collaborators/{user}/permission` reports it in
 * `permission` (Gitea v1.25 `models/perm/access_mode.go` `AccessMode.ToString`).
 */
export type GiteaPermission = 'none' | 'read' | 'write' | 'admin' | 'owner';

/** `state` of a commit status (Gitea v1.25.4 swagger `CreateStatusOption`, `CommitStatusState`). */
export type GiteaCommitStatusState = 'pending' | 'success' | 'error' | 'failure' | 'warning';

/** Body of `createCommitStatus`. */
export interface NewGiteaCommitStatus {
  state: GiteaCommitStatusState;
  targetUrl?: string;
  description?: string;
  /** The status's name, e.g. `kugetsu`; one status per context is shown. */
  context?: string;
}

/** Body of `createLabel` (Gitea v1.25.4 swagger `CreateLabelOption`). */
export interface NewGiteaLabel {
  name: string;
  /** Six hex digits, e.g. `"00aabb"` or `"#00aabb"`. */
  color: string;
  description?: string;
}

/** Body of `createPullRequest` (Gitea v1.25.4 swagger `CreatePullRequestOption`). */
export interface NewGiteaPullRequest {
  title: string;
  /** Head branch name (or `user:branch` for a fork). */
  head: string;
  /** Base branch name. */
  base: string;
  body?: string;
}

/** Query of `listIssues` (Gitea v1.25.4 swagger `issueListIssues`). */
export interface GiteaIssueFilter {
  /** Default `open` (Gitea's default too). */
  state?: 'open' | 'closed' | 'all';
  /** Label names; issues with any of them. */
  labels?: readonly string[];
  /** `issues` or `pulls`; both when absent. */
  type?: 'issues' | 'pulls';
}

/** A repository webhook as kugetsu reads it (Gitea v1.25.4 swagger `Hook`). */
export interface GiteaHook {
  id: number;
  /** Hook kind, `gitea` for kugetsu's. */
  type: string;
  /** `config.url`: where Gitea delivers. */
  url: string;
  /** `config.content_type`: `json` or `form`. */
  contentType: string;
  /** Enabled events as Gitea lists them (fine names, e.g. `issue_comment`). */
  events: string[];
  active: boolean;
  branchFilter: string;
}

/** Body of `createHook` (Gitea v1.25.4 swagger `CreateHookOption`; contract §4). */
export interface NewGiteaHook {
  url: string;
  /** Hook type: `gitea` (default), or `forgejo` on a Forgejo instance (docs/forgejo-contract.md §2). */
  type?: 'gitea' | 'forgejo';
  secret: string;
  events: readonly string[];
  /** Default `json`. */
  contentType?: 'json' | 'form';
  /** Default `true` (Gitea's own default is `false`). */
  active?: boolean;
  /** Default `*`. */
  branchFilter?: string;
  /** Sent by Gitea as the `Authorization` header of each delivery. */
  authorizationHeader?: string;
}

/** Body of `editHook`. The secret cannot be changed by an edit (contract §4). */
export interface GiteaHookEdit {
  url?: string;
  contentType?: 'json' | 'form';
  /** Replaces the events; always send the full list. */
  events: readonly string[];
  active?: boolean;
  /** Replaced too; default `*`. */
  branchFilter?: string;
}

/** A Gitea account (Gitea v1.25.4 swagger `User`: `id`, `login`). */
export interface GiteaUser {
  id: number;
  login: string;
}

/** One addition of a label to an issue, read from its timeline (Gitea v1.25.4 swagger `TimelineComment`). */
export interface GiteaLabelAddition {
  /** Who added the label. */
  user: GiteaUser;
  /** Id of the timeline entry: unique per addition. */
  entryId: number;
  /** RFC 3339 time of the addition. */
  createdAt: string;
}

/**
 * A pull request review (Gitea v1.25.4 swagger `PullReview`). `state` is swagger
 * `ReviewStateType`: `APPROVED`, `PENDING`, `COMMENT`, `REQUEST_CHANGES`, `REQUEST_REVIEW`.
 */
export interface GiteaReview {
  id: number;
  user: GiteaUser;
  state: string;
  body: string;
  /** True once dismissed by a maintainer. */
  dismissed: boolean;
  /** RFC 3339, when submitted. */
  submittedAt?: string;
}

/** A repository label (Gitea v1.25.4 swagger `Label`). Labels are removed from issues by `id` only. */
export interface GiteaLabel {
  id: number;
  name: string;
}

/** An issue or a pull request read as an issue (Gitea v1.25.4 swagger `Issue`). */
export interface GiteaIssue {
  number: number;
  title: string;
  body: string;
  state: 'open' | 'closed';
  labels: GiteaLabel[];
  user: GiteaUser;
  htmlUrl: string;
  /** True when this issue is a pull request. */
  isPull: boolean;
  /** RFC 3339 time of the last change (labels, comments, edits). */
  updatedAt?: string;
  /**
   * Gitea's count of the issue's comments (swagger `Issue.comments`, `issue.num_comments`: plain
   * comments, plus review and code comments on a pull request); undefined when not sent.
   */
  comments?: number;
}

/** One page of an issue's timeline, as {@link GiteaClient.listCommentPage} reads it. */
export interface GiteaCommentPage {
  /** The page's plain comments, oldest first. */
  comments: GiteaComment[];
  /** Timeline entries the page held, of every type (0 = nothing on this page). */
  entries: number;
}

/** A comment on an issue or PR (Gitea v1.25.4 swagger `Comment`). */
export interface GiteaComment {
  id: number;
  body: string;
  user: GiteaUser;
  /** RFC 3339 timestamp. */
  createdAt: string;
  /** RFC 3339 timestamp of the last edit (equals `createdAt` when never edited). */
  updatedAt?: string;
  htmlUrl: string;
  /**
   * Number of the issue or PR the comment belongs to, read from `issue_url` / `pull_request_url`
   * (undefined when Gitea sent neither).
   */
  issueNumber?: number;
}

/** A pull request (Gitea v1.25.4 swagger `PullRequest`: `head.ref`, `head.sha`, `base.ref`). */
export interface GiteaPullRequest {
  number: number;
  title: string;
  body: string;
  state: 'open' | 'closed';
  headRef: string;
  headSha: string;
  baseRef: string;
  htmlUrl: string;
  /** True once merged (then `state` is `closed`). */
  merged?: boolean;
  /** True when the head branch lives in another repository (a fork): kugetsu cannot push to it. */
  fromFork?: boolean;
}

/**
 * Gitea did not do what was asked: an HTTP status (`status`, 0 for a network error) and Gitea's
 * message. `retryable` is true for network errors, 5xx and 429 (the outbox retries those).
 */
/** One answered (or failed) HTTP request to Gitea, as the client's observer is told about it. */
export interface GiteaCallObservation {
  /** `METHOD /template` from Gitea's swagger (`gitea-routes.ts`), or `other`: never a name or number from the path. */
  route: string;
  /** The HTTP status; 0 for a network error (no answer). */
  status: number;
  /** From the request to the answer's headers, in ms. */
  durationMs: number;
}

/** Receives every {@link GiteaCallObservation} (metrics). Must not throw. */
export type GiteaCallObserver = (call: GiteaCallObservation) => void;

/**
 * A Gitea API call that failed: `operation` (the client method), `status` (HTTP; 0 for a network
 * error or timeout) and Gitea's message. `retryable` for a network error, 429 and 5xx (the call may
 * succeed later); anything else is Gitea's answer (e.g. 404, 403) and is not retried.
 */
export class GiteaError extends Error {
  override readonly name = 'GiteaError';
  constructor(
    readonly operation: string,
    readonly status: number,
    message: string,
    options?: { cause?: unknown; retryAfter?: string },
  ) {
    super(`Gitea is failing: ${operation} → ${status === 0 ? 'network error' : `HTTP ${status}`}: ${message}`, options);
    if (options?.retryAfter) this.retryAfter = options.retryAfter;
  }
  /** The `Retry-After` header of a 429 or 503 answer, as sent (seconds or an HTTP date). */
  readonly retryAfter?: string;

  get retryable(): boolean {
    return this.status === 0 || this.status === 429 || this.status >= 500;
  }
}
