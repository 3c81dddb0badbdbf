import type { RepoRef } from '../domain/repo-ref.js';
import { z } from 'zod';
import type { GiteaComment, GiteaHook, GiteaIssue, GiteaLabel, GiteaPermission, GiteaPullRequest, GiteaReview, GiteaUser } from './types.js';

/**
 * zod schemas for the fields kugetsu reads from Gitea's REST responses, each paired with the
 * mapping to the small entity type of `types.ts`. Lenient to extra fields (zod objects strip
 * unknown keys); shapes from the Gitea v1.25.4 swagger definitions named in each comment.
 */

/** swagger `User`. */
const User = z.object({ id: z.number().int(), login: z.string() });

/** swagger `Label`. */
const Label = z.object({ id: z.number().int(), name: z.string() });

/** swagger `Issue` (`pull_request` is null for plain issues, an object for PRs). */
const Issue = z.object({
  number: z.number().int(),
  title: z.string(),
  body: z.string().nullish(),
  state: z.enum(['open', 'closed']),
  labels: z.array(Label).nullish(),
  user: User,
  html_url: z.string(),
  pull_request: z.unknown(),
  updated_at: z.string().nullish(),
  comments: z.number().int().nonnegative().nullish(),
});

/** swagger `Comment`: `issue_url` is set on issue comments, `pull_request_url` on PR comments. */
const Comment = z.object({
  id: z.number().int(),
  body: z.string().nullish(),
  user: User,
  created_at: z.string(),
  updated_at: z.string().nullish(),
  html_url: z.string(),
  issue_url: z.string().nullish(),
  pull_request_url: z.string().nullish(),
});

/** swagger `PRBranchInfo`. */
const Branch = z.object({ ref: z.string(), sha: z.string(), repo_id: z.number().int().nullish() });

/** swagger `PullRequest`. */
const PullRequest = z.object({
  number: z.number().int(),
  title: z.string(),
  body: z.string().nullish(),
  state: z.enum(['open', 'closed']),
  head: Branch,
  base: Branch,
  html_url: z.string(),
  merged: z.boolean().nullish(),
});

/** swagger `RepoCollaboratorPermission` (`permission` is `AccessMode.ToString()`). */
const Permission = z.object({ permission: z.enum(['none', 'read', 'write', 'admin', 'owner']) });

/**
 * swagger `Hook` (`config` holds `url` and `content_type`; the secret is never returned). Forgejo (v15 `modules/structs/hook.go`) also has top-level `url` and
 * `content_type` and calls `config` deprecated: those are read when `config` lacks them.
 */
const Hook = z.object({
  id: z.number().int(),
  type: z.string(),
  config: z.record(z.string(), z.string()).nullish(),
  url: z.string().nullish(),
  content_type: z.string().nullish(),
  events: z.array(z.string()).nullish(),
  active: z.boolean(),
  branch_filter: z.string().nullish(),
});

const mapUser = (u: z.infer<typeof User>): GiteaUser => ({ id: u.id, login: u.login });
const mapLabel = (l: z.infer<typeof Label>): GiteaLabel => ({ id: l.id, name: l.name });

/** Trailing `/{n}` of an issue or PR web URL, e.g. `…/issues/7` → 7. */
function numberFromUrl(url: string | null | undefined): number | undefined {
  const m = url ? /\/(\d+)\/?$/.exec(url) : null;
  return m?.[1] ? Number(m[1]) : undefined;
}

/** swagger `Repository` (the fields a webhook payload's `repository` carries too). */
const Repository = z.object({
  name: z.string(),
  full_name: z.string(),
  owner: z.object({ login: z.string() }),
  clone_url: z.string(),
  html_url: z.string(),
  default_branch: z.string(),
});

/** `GET /repos/{o}/{r}` → {@link RepoRef}. */
export const repositorySchema = Repository.transform(
  (r): RepoRef => ({
    owner: r.owner.login,
    name: r.name,
    fullName: r.full_name,
    cloneUrl: r.clone_url,
    defaultBranch: r.default_branch || 'main',
    htmlUrl: r.html_url,
  }),
);

/** `GET /user` → {@link GiteaUser}. */
export const userSchema = User.transform(mapUser);

/** swagger `Issue` → {@link GiteaIssue}. */
export const issueSchema = Issue.transform(
  (i): GiteaIssue => ({
    number: i.number,
    title: i.title,
    body: i.body ?? '',
    state: i.state,
    labels: (i.labels ?? []).map(mapLabel),
    user: mapUser(i.user),
    htmlUrl: i.html_url,
    isPull: i.pull_request != null,
    ...(i.updated_at ? { updatedAt: i.updated_at } : {}),
    ...(i.comments != null ? { comments: i.comments } : {}),
  }),
);

/** swagger `Comment` → {@link GiteaComment}. */
export const commentSchema = Comment.transform((c): GiteaComment => {
  const comment: GiteaComment = {
    id: c.id,
    body: c.body ?? '',
    user: mapUser(c.user),
    createdAt: c.created_at,
    updatedAt: c.updated_at ?? c.created_at,
    htmlUrl: c.html_url,
  };
  const issueNumber = numberFromUrl(c.issue_url) ?? numberFromUrl(c.pull_request_url);
  if (issueNumber !== undefined) comment.issueNumber = issueNumber;
  return comment;
});

/** swagger `Label` → {@link GiteaLabel}. */
export const labelSchema = Label.transform(mapLabel);

/** swagger `PullRequest` → {@link GiteaPullRequest}. */
export const pullRequestSchema = PullRequest.transform(
  (p): GiteaPullRequest => ({
    number: p.number,
    title: p.title,
    body: p.body ?? '',
    state: p.state,
    headRef: p.head.ref,
    headSha: p.head.sha,
    baseRef: p.base.ref,
    htmlUrl: p.html_url,
    merged: p.merged ?? false,
    fromFork: p.head.repo_id != null && p.base.repo_id != null && p.head.repo_id !== p.base.repo_id,
  }),
);

/** swagger `RepoCollaboratorPermission` → {@link GiteaPermission}. */
export const permissionSchema = Permission.transform((p): GiteaPermission => p.permission);

/** swagger `Hook` → {@link GiteaHook}. */
export const hookSchema = Hook.transform(
  (h): GiteaHook => ({
    id: h.id,
    type: h.type,
    url: h.config?.['url'] ?? h.url ?? '',
    contentType: h.config?.['content_type'] ?? h.content_type ?? '',
    events: h.events ?? [],
    active: h.active,
    branchFilter: h.branch_filter ?? '',
  }),
);

/** Any body: for calls whose response kugetsu ignores (201/200/204). */
export const ignoredSchema = z.unknown().transform((): void => undefined);

/** swagger `PullReview` → {@link GiteaReview}. */
export const reviewSchema = z
  .object({
    id: z.number().int(),
    user: User.nullish(),
    state: z.string(),
    body: z.string().nullish(),
    dismissed: z.boolean().nullish(),
    submitted_at: z.string().nullish(),
  })
  .transform(
    (r): GiteaReview => ({
      id: r.id,
      // A review of a deleted account has no user: Gitea shows it as the ghost user (id -1).
      user: r.user ? mapUser(r.user) : { id: -1, login: 'Ghost' },
      state: r.state,
      body: r.body ?? '',
      dismissed: r.dismissed ?? false,
      ...(r.submitted_at ? { submittedAt: r.submitted_at } : {}),
    }),
  );

/**
 * A timeline page's body: a JSON array, or `null` for an empty page — Gitea (v1.25) and Forgejo
 * (v15) both build the page as a nil Go slice (`routers/api/v1/repo/issue_comment.go`
 * `ListIssueCommentsAndTimeline`: `var apiComments []*api.TimelineComment`), which encodes as `null`
 * when no entry is left (past the last page, or an issue without timeline entries).
 */
export function timelinePage<T extends z.ZodType>(entry: T) {
  return z
    .array(entry)
    .nullable()
    .transform((entries): z.output<T>[] => entries ?? []);
}

/**
 * swagger `TimelineComment` as a page of the timeline: every entry counts (its `type` is checked),
 * and the plain comments (`type: "comment"`) are read as {@link GiteaComment}s — a malformed
 * comment entry fails the page like any malformed body. An empty page may be `null` (see {@link timelinePage}).
 */
export const timelineCommentPageSchema = timelinePage(z.looseObject({ type: z.string() })).transform((entries, ctx) => {
  const comments: GiteaComment[] = [];
  for (const entry of entries) {
    if (entry.type !== 'comment') continue;
    const parsed = commentSchema.safeParse(entry);
    if (!parsed.success) {
      ctx.addIssue({ code: 'custom', message: `timeline comment: ${z.prettifyError(parsed.error)}` });
      return z.NEVER;
    }
    comments.push(parsed.data);
  }
  return { comments, entries: entries.length };
});

/** swagger `TimelineComment`, only what tells who changed which label: `id`, `type`, `body`, `user`, `label`, `created_at`. */
export const timelineEntrySchema = z.object({
  id: z.number().int(),
  created_at: z.string().nullish(),
  type: z.string(),
  body: z.string().nullish(),
  user: User.nullish(),
  label: Label.nullish(),
});
