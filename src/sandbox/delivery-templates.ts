import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The captured Gitea deliveries in `fixtures/gitea/` (same path from `src/sandbox/` and `dist/sandbox/`). */
const FIXTURES = new URL('../../fixtures/gitea/', import.meta.url);

function template(file: string): Record<string, any> {
  return JSON.parse(readFileSync(fileURLToPath(new URL(file, FIXTURES)), 'utf8')) as Record<string, any>;
}

/** Where a sandbox delivery happens: the repository as Gitea would describe it. */
export interface TemplateRepo {
  owner: string;
  name: string;
  cloneUrl: string;
  htmlUrl: string;
  defaultBranch: string;
}

/** A Gitea user as a delivery template names it (the sender, an author): id and login. */
export interface TemplateUser {
  id: number;
  login: string;
}

function patchRepository(payload: Record<string, any>, repo: TemplateRepo): void {
  Object.assign(payload.repository, {
    name: repo.name,
    full_name: `${repo.owner}/${repo.name}`,
    clone_url: repo.cloneUrl,
    html_url: repo.htmlUrl,
    default_branch: repo.defaultBranch,
  });
  Object.assign(payload.repository.owner, { login: repo.owner, username: repo.owner });
}

function patchUser(target: Record<string, any>, user: TemplateUser): void {
  Object.assign(target, { id: user.id, login: user.login, username: user.login });
}

/** A delivery body as Gitea sends it: two-space indented JSON (Gitea v1.25.4 `services/webhook/deliver.go`). */
export function serializePayload(payload: unknown): string {
  return JSON.stringify(payload, null, 2);
}

/**
 * An `issue_label` / `label_updated` payload built on the real capture
 * `goplayground__issue-label-event.json`, with the repository, issue, labels and sender replaced.
 */
export function issueLabelPayload(options: {
  repo: TemplateRepo;
  issue: { number: number; title: string; body: string; labels: Array<{ id: number; name: string }> };
  sender: TemplateUser;
}): Record<string, any> {
  const p = template('goplayground__issue-label-event.json');
  patchRepository(p, options.repo);
  p.number = options.issue.number;
  Object.assign(p.issue, {
    number: options.issue.number,
    title: options.issue.title,
    body: options.issue.body,
    html_url: `${options.repo.htmlUrl}/issues/${options.issue.number}`,
    labels: options.issue.labels.map((l) => ({ ...p.issue.labels[0], id: l.id, name: l.name })),
  });
  patchUser(p.sender, options.sender);
  return p;
}

/**
 * An `issue_comment` / `created` payload built on the real capture
 * `goplayground__issue-comment-event.json`.
 */
export function issueCommentPayload(options: {
  repo: TemplateRepo;
  issue: { number: number; title: string; body: string };
  comment: { id: number; body: string };
  sender: TemplateUser;
}): Record<string, any> {
  const p = template('goplayground__issue-comment-event.json');
  patchRepository(p, options.repo);
  Object.assign(p.issue, {
    number: options.issue.number,
    title: options.issue.title,
    body: options.issue.body,
    html_url: `${options.repo.htmlUrl}/issues/${options.issue.number}`,
  });
  Object.assign(p.comment, {
    id: options.comment.id,
    body: options.comment.body,
    html_url: `${options.repo.htmlUrl}/issues/${options.issue.number}#issuecomment-${options.comment.id}`,
  });
  patchUser(p.comment.user, options.sender);
  patchUser(p.sender, options.sender);
  return p;
}

/**
 * A `pull_request_review_rejected` / `reviewed` payload built on the real capture
 * `woodpecker__HookPullRequestReviewDeny.json`.
 */
export function reviewRejectedPayload(options: {
  repo: TemplateRepo;
  pull: { number: number; title: string; headRef: string };
  review: string;
  sender: TemplateUser;
}): Record<string, any> {
  const p = template('woodpecker__HookPullRequestReviewDeny.json');
  patchRepository(p, options.repo);
  p.number = options.pull.number;
  Object.assign(p.pull_request, {
    number: options.pull.number,
    title: options.pull.title,
    html_url: `${options.repo.htmlUrl}/pulls/${options.pull.number}`,
  });
  Object.assign(p.pull_request.head, { ref: options.pull.headRef, label: options.pull.headRef });
  p.review = { type: 'pull_request_review_rejected', content: options.review };
  patchUser(p.sender, options.sender);
  return p;
}
