import { z } from 'zod';

/**
 * zod schemas for the few payload fields kugetsu reads; unknown fields are ignored. Shapes from
 * Gitea v1.25.4 `modules/structs/hook.go` (IssuePayload, IssueCommentPayload, PullRequestPayload)
 * and `modules/structs/repo.go`, checked against the captures in `fixtures/gitea/`.
 */
export const userSchema = z.object({
  id: z.number().int(),
  login: z.string().min(1),
});

/** A label (`modules/structs/issue_label.go` Label): id and name. */
export const labelSchema = z.object({
  id: z.number().int(),
  name: z.string(),
});

/** The repository of a payload (`modules/structs/repo.go` Repository): the fields kugetsu reads. */
export const repositorySchema = z.object({
  name: z.string().min(1),
  full_name: z.string().min(1),
  owner: z.object({ login: z.string().min(1) }),
  // Not used: the clone URL comes from Gitea's API (`GET /repos/{o}/{r}`), never from a payload.
  clone_url: z.string().default(''),
  html_url: z.string().default(''),
  default_branch: z.string().min(1).default('main'),
});

/** The issue of a payload (`modules/structs/issue.go` Issue): the fields kugetsu reads. */
export const issueSchema = z.object({
  number: z.number().int().positive(),
  title: z.string().default(''),
  body: z
    .string()
    .nullish()
    .transform((b) => b ?? ''),
  html_url: z.string().default(''),
  labels: z
    .array(labelSchema)
    .nullish()
    .transform((l) => l ?? []),
  pull_request: z.object({}).passthrough().nullish(),
});

const prHeadSchema = z.object({ ref: z.string(), sha: z.string().default('') });

/** The pull request of a payload (`modules/structs/pull.go` PullRequest): the fields kugetsu reads. */
export const pullRequestSchema = z.object({
  number: z.number().int().positive(),
  title: z.string().default(''),
  body: z
    .string()
    .nullish()
    .transform((b) => b ?? ''),
  html_url: z.string().default(''),
  head: prHeadSchema.extend({ repo_id: z.number().int().nullish() }),
  base: z.object({ ref: z.string(), repo_id: z.number().int().nullish() }).optional(),
});

/** `issues`-group payload (`issue_label` etc.). */
export const issuePayloadSchema = z.object({
  action: z.string(),
  issue: issueSchema,
  repository: repositorySchema,
  sender: userSchema,
});

/** `issue_comment` / `pull_request_comment` payload. `pull_request` is top-level only from Gitea 1.23. */
export const commentPayloadSchema = z.object({
  action: z.string(),
  issue: issueSchema,
  comment: z.object({
    id: z.number().int(),
    body: z
      .string()
      .nullish()
      .transform((b) => b ?? ''),
    html_url: z.string().default(''),
  }),
  pull_request: z
    .object({ head: prHeadSchema.extend({ repo_id: z.number().int().nullish() }), base: z.object({ repo_id: z.number().int().nullish() }).passthrough().nullish() })
    .passthrough()
    .nullish(),
  repository: repositorySchema,
  sender: userSchema,
  is_pull: z.boolean().optional(),
});

/** `pull_request_review_*` payload: a PullRequestPayload with `review: {type, content}`. */
export const reviewPayloadSchema = z.object({
  action: z.string(),
  pull_request: pullRequestSchema,
  repository: repositorySchema,
  sender: userSchema,
  review: z.object({
    type: z.string(),
    content: z
      .string()
      .nullish()
      .transform((c) => c ?? ''),
  }),
});
