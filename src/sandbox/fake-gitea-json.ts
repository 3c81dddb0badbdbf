import type { FakeComment, FakeCommitStatus, FakeGiteaState, FakeHook, FakeIssue, FakeLabel, FakeRepo, FakeReview, FakeUser } from './fake-gitea-state.js';

/** RFC 3339 at second precision, as Gitea writes times (`2024-01-02T03:04:05Z`). */
export function giteaTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Renders the fake's entities as Gitea v1.25.4's API does (swagger definitions `User`, `Label`,
 * `Issue`, `Comment`, `PullRequest`, `Repository`, `Hook`, `CommitStatus`, `Reaction`), with the
 * fields clients commonly read; absent optional fields are `null` as in Gitea.
 */
export class FakeGiteaJson {
  constructor(private readonly state: FakeGiteaState) {}

  /** swagger `User`. */
  user(user: FakeUser | undefined): Record<string, unknown> {
    const u = user ?? { id: -1, login: 'Ghost', isAdmin: false };
    const base = this.state.baseUrl;
    return {
      id: u.id,
      login: u.login,
      login_name: '',
      full_name: '',
      email: `${u.login.toLowerCase()}@noreply.gitea.test`,
      avatar_url: `${base}/avatars/${u.id}`,
      html_url: `${base}/${encodeURIComponent(u.login)}`,
      language: '',
      is_admin: u.isAdmin,
      active: true,
      restricted: false,
      visibility: 'public',
      username: u.login,
    };
  }

  /** swagger `Label`. */
  label(repo: FakeRepo, label: FakeLabel): Record<string, unknown> {
    return {
      id: label.id,
      name: label.name,
      exclusive: false,
      is_archived: false,
      color: label.color,
      description: label.description,
      url: `${this.state.repoApiUrl(repo)}/labels/${label.id}`,
    };
  }

  /** swagger `Repository` (the fields kugetsu and webhooks use). */
  repo(repo: FakeRepo): Record<string, unknown> {
    const html = this.state.repoHtmlUrl(repo);
    return {
      id: repo.id,
      owner: this.user(this.state.user(repo.owner)),
      name: repo.name,
      full_name: `${repo.owner}/${repo.name}`,
      private: repo.private,
      html_url: html,
      clone_url: repo.cloneUrl ?? `${html}.git`,
      ssh_url: `git@${new URL(this.state.baseUrl).host}:${repo.owner}/${repo.name}.git`,
      default_branch: repo.defaultBranch,
      has_issues: true,
      has_pull_requests: true,
      archived: false,
    };
  }

  /** Web URL of an issue or PR (`…/issues/n` or `…/pulls/n`). */
  issueHtmlUrl(repo: FakeRepo, issue: FakeIssue): string {
    return `${this.state.repoHtmlUrl(repo)}/${issue.pull ? 'pulls' : 'issues'}/${issue.number}`;
  }

  private labelsOf(repo: FakeRepo, issue: FakeIssue): Record<string, unknown>[] {
    return issue.labelIds.flatMap((id) => {
      const label = repo.labels.find((l) => l.id === id);
      return label ? [this.label(repo, label)] : [];
    });
  }

  private commentCount(repo: FakeRepo, issue: FakeIssue): number {
    let count = 0;
    for (const c of this.state.comments.values()) if (c.repoId === repo.id && c.issueNumber === issue.number) count++;
    return count;
  }

  /** swagger `Issue` (`pull_request` is null for plain issues). */
  issue(repo: FakeRepo, issue: FakeIssue): Record<string, unknown> {
    const html = this.issueHtmlUrl(repo, issue);
    return {
      id: issue.id,
      url: `${this.state.repoApiUrl(repo)}/issues/${issue.number}`,
      html_url: html,
      number: issue.number,
      user: this.user(this.state.userById(issue.authorId)),
      original_author: '',
      original_author_id: 0,
      title: issue.title,
      body: issue.body,
      ref: '',
      assets: [],
      labels: this.labelsOf(repo, issue),
      milestone: null,
      assignee: null,
      assignees: null,
      state: issue.state,
      is_locked: false,
      comments: this.commentCount(repo, issue),
      created_at: giteaTime(issue.createdAt),
      updated_at: giteaTime(issue.updatedAt),
      closed_at: issue.state === 'closed' ? giteaTime(issue.updatedAt) : null,
      due_date: null,
      pull_request: issue.pull ? { merged: issue.pull.merged, merged_at: null, draft: false, html_url: html } : null,
      repository: { id: repo.id, name: repo.name, owner: repo.owner, full_name: `${repo.owner}/${repo.name}` },
      pin_order: 0,
    };
  }

  /** swagger `PullRequest`. */
  pull(repo: FakeRepo, issue: FakeIssue): Record<string, unknown> {
    const pull = issue.pull;
    if (!pull) throw new Error(`fake Gitea: #${issue.number} is not a pull request`);
    const html = this.issueHtmlUrl(repo, issue);
    const branch = (ref: string, sha: string, repoId = repo.id) => ({
      label: ref,
      ref,
      sha,
      repo_id: repoId,
      repo: this.repo(repo),
    });
    return {
      id: issue.id,
      url: html,
      number: issue.number,
      user: this.user(this.state.userById(issue.authorId)),
      title: issue.title,
      body: issue.body,
      labels: this.labelsOf(repo, issue),
      milestone: null,
      assignee: null,
      assignees: null,
      requested_reviewers: null,
      state: issue.state,
      draft: false,
      is_locked: false,
      comments: this.commentCount(repo, issue),
      html_url: html,
      diff_url: `${html}.diff`,
      patch_url: `${html}.patch`,
      mergeable: !pull.merged,
      merged: pull.merged,
      merged_at: null,
      merge_commit_sha: null,
      merged_by: null,
      allow_maintainer_edit: false,
      base: branch(pull.baseRef, repo.branches.get(pull.baseRef) ?? ''),
      head: branch(pull.headRef, pull.headSha, pull.headRepoId),
      merge_base: '',
      due_date: null,
      created_at: giteaTime(issue.createdAt),
      updated_at: giteaTime(issue.updatedAt),
      closed_at: issue.state === 'closed' ? giteaTime(issue.updatedAt) : null,
    };
  }

  /**
   * swagger `Comment`. `issue_url` is the issue's web URL for issue comments and `""` for PR
   * comments, which carry `pull_request_url` instead (Gitea `models/issues/comment.go`).
   */
  comment(repo: FakeRepo, comment: FakeComment): Record<string, unknown> {
    const issue = repo.issues.get(comment.issueNumber);
    const issueHtml = issue ? this.issueHtmlUrl(repo, issue) : '';
    const isPull = issue?.pull !== undefined;
    return {
      id: comment.id,
      html_url: `${issueHtml}#issuecomment-${comment.id}`,
      pull_request_url: isPull ? issueHtml : '',
      issue_url: isPull ? '' : issueHtml,
      user: this.user(this.state.userById(comment.authorId)),
      original_author: '',
      original_author_id: 0,
      body: comment.body,
      assets: [],
      created_at: giteaTime(comment.createdAt),
      updated_at: giteaTime(comment.updatedAt),
    };
  }

  /** swagger `PullReview`. */
  review(repo: FakeRepo, issue: FakeIssue, review: FakeReview): Record<string, unknown> {
    const html = this.issueHtmlUrl(repo, issue);
    return {
      id: review.id,
      user: this.user(this.state.userById(review.authorId)),
      team: null,
      state: review.state,
      body: review.body,
      commit_id: issue.pull?.headSha ?? '',
      stale: false,
      official: review.state !== 'COMMENT',
      dismissed: review.dismissed,
      comments_count: 0,
      submitted_at: giteaTime(review.submittedAt),
      updated_at: giteaTime(review.submittedAt),
      html_url: `${html}#issuecomment-${review.id}`,
      pull_request_url: html,
    };
  }

  /** swagger `Reaction`. */
  reaction(reaction: { userId: number; content: string; createdAt: Date }): Record<string, unknown> {
    return {
      user: this.user(this.state.userById(reaction.userId)),
      content: reaction.content,
      created_at: giteaTime(reaction.createdAt),
    };
  }

  /** swagger `CommitStatus` (the state is in `status`). */
  status(repo: FakeRepo, status: FakeCommitStatus): Record<string, unknown> {
    return {
      id: status.id,
      status: status.state,
      target_url: status.targetUrl,
      description: status.description,
      url: `${this.state.repoApiUrl(repo)}/statuses/${status.sha}`,
      context: status.context,
      creator: this.user(this.state.userById(status.creatorId)),
      created_at: giteaTime(status.createdAt),
      updated_at: giteaTime(status.createdAt),
    };
  }

  /**
   * swagger `Hook`: `config` has `url`, `content_type` and `http_method`, never the secret. The
   * Forgejo flavour answers Forgejo's shape (v15 `services/webhook/general.go` `ToHook`): `config`
   * holds only `url` and `content_type` (kept "for compatibility", deprecated), and the same facts
   * are also top-level `url`, `content_type` and `metadata` (null for `gitea`/`forgejo` hooks).
   */
  hook(hook: FakeHook): Record<string, unknown> {
    const forgejo = this.state.flavour === 'forgejo';
    return {
      id: hook.id,
      type: hook.type,
      branch_filter: hook.branchFilter,
      ...(forgejo ? { url: hook.url } : {}),
      config: forgejo ? { url: hook.url, content_type: hook.contentType } : { url: hook.url, content_type: hook.contentType, http_method: 'post' },
      events: hook.events,
      // The header the hook sends (`ToHook`: `w.HeaderAuthorization()`), as Gitea and Forgejo answer it.
      authorization_header: hook.authorizationHeader,
      ...(forgejo ? { content_type: hook.contentType, metadata: null } : {}),
      active: hook.active,
      updated_at: giteaTime(hook.updatedAt),
      created_at: giteaTime(hook.createdAt),
    };
  }
}
