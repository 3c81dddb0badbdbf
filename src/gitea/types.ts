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
  /** `GET /repos/{o}/{r}/issues/{n}/comments`, oldest first. */
  listComments(owner: string, repo: string, n: number): Promise<GiteaComment[]>;
  /** `POST /repos/{o}/{r}/issues/{n}/comments` → 201. Returns the new comment's id. */
  createComment(owner: string, repo: string, n: number, body: string): Promise<{ id: number }>;
  /** `PATCH /repos/{o}/{r}/issues/comments/{id}` → 200. */
  editComment(owner: string, repo: string, commentId: number, body: string): Promise<void>;
  /** `POST /repos/{o}/{r}/issues/comments/{id}/reactions` `{content}` → 201 new / 200 existing. */
  addCommentReaction(owner: string, repo: string, commentId: number, content: string): Promise<void>;
  /** `DELETE /repos/{o}/{r}/issues/{n}/labels/{id}` → 204. Gitea removes labels by id only. */
  removeIssueLabel(owner: string, repo: string, n: number, labelId: number): Promise<void>;
  /** `GET /repos/{o}/{r}/pulls/{n}`. */
  getPullRequest(owner: string, repo: string, n: number): Promise<GiteaPullRequest>;
}

export interface GiteaUser {
  id: number;
  login: string;
}

export interface GiteaLabel {
  id: number;
  name: string;
}

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
}

export interface GiteaComment {
  id: number;
  body: string;
  user: GiteaUser;
  /** RFC 3339 timestamp. */
  createdAt: string;
  htmlUrl: string;
}

export interface GiteaPullRequest {
  number: number;
  title: string;
  body: string;
  state: 'open' | 'closed';
  headRef: string;
  headSha: string;
  baseRef: string;
  htmlUrl: string;
}

/**
 * Gitea did not do what was asked: an HTTP status (`status`, 0 for a network error) and Gitea's
 * message. `retryable` is true for network errors, 5xx and 429 (the outbox retries those).
 */
export class GiteaError extends Error {
  override readonly name = 'GiteaError';
  constructor(
    readonly operation: string,
    readonly status: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`Gitea is failing: ${operation} → ${status === 0 ? 'network error' : `HTTP ${status}`}: ${message}`, options);
  }
  get retryable(): boolean {
    return this.status === 0 || this.status === 429 || this.status >= 500;
  }
}
