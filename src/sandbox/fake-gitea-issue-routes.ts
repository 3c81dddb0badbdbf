import type { Hono } from 'hono';
import { type FakeGiteaHttp, intParam, rank, type FakeCtx, type FakeGiteaEnv } from './fake-gitea-http.js';
import type { FakeGiteaJson } from './fake-gitea-json.js';
import type { FakeComment, FakeRepo } from './fake-gitea-state.js';

/** Gitea's default `[ui] REACTIONS` plus `CUSTOM_EMOJIS` (v1.25 `modules/setting/ui.go`). */
const ALLOWED_REACTIONS = new Set(['+1', '-1', 'laugh', 'hooray', 'confused', 'heart', 'rocket', 'eyes', 'gitea', 'codeberg', 'gitlab', 'git', 'github', 'gogs']);

/**
 * Registers the issue, comment, reaction and issue-label routes of the fake Gitea under
 * `/api/v1/repos/{owner}/{repo}/issues…`, with the status codes and rules of Gitea v1.25
 * (`routers/api/v1/repo/issue*.go`, swagger operations named on each route).
 */
export function registerFakeIssueRoutes(app: Hono<FakeGiteaEnv>, http: FakeGiteaHttp, json: FakeGiteaJson): void {
  const state = http.state;
  const base = '/api/v1/repos/:owner/:repo/issues';

  /** The comment `id` of this repo, or 404 (a comment of another repo is not found either). */
  const commentOf = (c: FakeCtx, repo: FakeRepo): FakeComment | Response => {
    const comment = state.comments.get(intParam(c, 'id'));
    return comment && comment.repoId === repo.id ? comment : http.notFound(c);
  };
  /** Gitea lets the poster or a writer edit or delete a comment; others get 403. */
  const mayChange = (c: FakeCtx, comment: FakeComment, permission: Parameters<typeof rank>[0]): boolean =>
    c.get('caller')?.id === comment.authorId || rank(permission) >= rank('write');
  const parseTime = (value: string | undefined): number | undefined => (value === undefined || value === '' ? undefined : Date.parse(value));

  // issueGetRepoComments: comments updated at or after `since`, oldest first, paginated.
  app.get(`${base}/comments`, (c) => {
    const found = http.repo(c);
    if (found instanceof Response) return found;
    const since = parseTime(c.req.query('since'));
    const before = parseTime(c.req.query('before'));
    if (Number.isNaN(since) || Number.isNaN(before)) return http.error(c, 422, 'invalid time, use RFC 3339');
    const list = [...state.comments.values()]
      .filter((m) => m.repoId === found.repo.id)
      .filter((m) => since === undefined || Math.floor(m.updatedAt.getTime() / 1000) >= Math.floor(since / 1000))
      .filter((m) => before === undefined || Math.floor(m.updatedAt.getTime() / 1000) < Math.floor(before / 1000))
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.id - b.id);
    return c.json(http.page(c, list).map((m) => json.comment(found.repo, m)));
  });

  // issueGetComment
  app.get(`${base}/comments/:id`, (c) => {
    const found = http.repo(c);
    if (found instanceof Response) return found;
    const comment = commentOf(c, found.repo);
    return comment instanceof Response ? comment : c.json(json.comment(found.repo, comment));
  });

  // issueEditComment: 200 with the comment; 403 unless poster or writer.
  app.patch(`${base}/comments/:id`, async (c) => {
    const found = http.repo(c);
    if (found instanceof Response) return found;
    const comment = commentOf(c, found.repo);
    if (comment instanceof Response) return comment;
    if (!mayChange(c, comment, found.permission)) return c.body(null, 403);
    const body = await http.body(c, ['body']);
    if (body instanceof Response) return body;
    comment.body = String(body['body']);
    comment.updatedAt = state.now();
    return c.json(json.comment(found.repo, comment), 200);
  });

  // issueDeleteComment: 204, no body.
  app.delete(`${base}/comments/:id`, (c) => {
    const found = http.repo(c);
    if (found instanceof Response) return found;
    const comment = commentOf(c, found.repo);
    if (comment instanceof Response) return comment;
    if (!mayChange(c, comment, found.permission)) return c.body(null, 403);
    state.comments.delete(comment.id);
    return c.body(null, 204);
  });

  // issueGetCommentReactions
  app.get(`${base}/comments/:id/reactions`, (c) => {
    const found = http.repo(c);
    if (found instanceof Response) return found;
    const comment = commentOf(c, found.repo);
    return comment instanceof Response ? comment : c.json(comment.reactions.map((r) => json.reaction(r)));
  });

  // issuePostCommentReaction: 201 new, 200 when this user already reacted so; 403 unknown content.
  app.post(`${base}/comments/:id/reactions`, async (c) => {
    const found = http.repo(c);
    if (found instanceof Response) return found;
    const comment = commentOf(c, found.repo);
    if (comment instanceof Response) return comment;
    const body = await http.body(c);
    if (body instanceof Response) return body;
    const content = String(body['content'] ?? '');
    if (!ALLOWED_REACTIONS.has(content)) return http.error(c, 403, `'${content}' is not an allowed reaction`);
    const caller = c.get('caller');
    if (!caller) return http.error(c, 401, 'token is required');
    const existing = comment.reactions.find((r) => r.userId === caller.id && r.content === content);
    if (existing) return c.json(json.reaction(existing), 200);
    const reaction = { userId: caller.id, content, createdAt: state.now() };
    comment.reactions.push(reaction);
    return c.json(json.reaction(reaction), 201);
  });

  // issueListIssues: state (default open), labels (names, any of), type (issues|pulls); newest first.
  app.get(base, (c) => {
    const found = http.repo(c);
    if (found instanceof Response) return found;
    const repo = found.repo;
    const wantState = c.req.query('state') ?? 'open';
    const type = c.req.query('type');
    const names = (c.req.query('labels') ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const labelIds = repo.labels.filter((l) => names.includes(l.name)).map((l) => l.id);
    const list = [...repo.issues.values()]
      .filter((i) => wantState === 'all' || i.state === wantState)
      .filter((i) => type !== 'issues' || !i.pull)
      .filter((i) => type !== 'pulls' || i.pull)
      .filter((i) => names.length === 0 || i.labelIds.some((id) => labelIds.includes(id)))
      .sort((a, b) => b.number - a.number);
    return c.json(http.page(c, list).map((i) => json.issue(repo, i)));
  });

  /** The issue `index` of the resolved repo, or 404. */
  const issueOf = (c: FakeCtx, repo: FakeRepo) => repo.issues.get(intParam(c, 'index')) ?? http.notFound(c);

  // issueGetIssue
  app.get(`${base}/:index`, (c) => {
    const found = http.repo(c);
    if (found instanceof Response) return found;
    const issue = issueOf(c, found.repo);
    return issue instanceof Response ? issue : c.json(json.issue(found.repo, issue));
  });

  // issueGetCommentsAndTimeline: comments (type "comment") and label changes (type "label", body
  // "1" when added, "" when removed — Gitea v1.25 `models/issues/comment.go` createLabelComment),
  // oldest first (created, then id), filtered by `since`/`before` on the update time. Paginated only
  // when `page` is given (Gitea's `FindComments` applies `limit` only for `page` > 0), and, as Gitea
  // does (`routers/api/v1/repo/issue_comment.go` `ListIssueCommentsAndTimeline`), `X-Total-Count` is
  // the length of the page returned, not of the timeline.
  app.get(`${base}/:index/timeline`, (c) => {
    const found = http.repo(c);
    if (found instanceof Response) return found;
    const issue = issueOf(c, found.repo);
    if (issue instanceof Response) return issue;
    const since = parseTime(c.req.query('since'));
    const before = parseTime(c.req.query('before'));
    if (Number.isNaN(since) || Number.isNaN(before)) return http.error(c, 422, 'invalid time, use RFC 3339');
    const comments = state.commentsOn(`${found.repo.owner}/${found.repo.name}`, issue.number).map((m) => ({
      at: m.createdAt,
      updated: m.updatedAt,
      json: () => ({ ...json.comment(found.repo, m), id: m.id, type: 'comment' }) as Record<string, unknown>,
      id: m.id,
    }));
    const labels = issue.labelEvents.map((e) => ({
      at: e.at,
      updated: e.at,
      id: e.id,
      json: () =>
        <Record<string, unknown>>{
          id: e.id,
          type: 'label',
          body: e.added ? '1' : '',
          user: json.user(state.userById(e.actorId)),
          label: (() => {
            const l = found.repo.labels.find((x) => x.id === e.labelId);
            return l ? json.label(found.repo, l) : null;
          })(),
          created_at: e.at.toISOString().replace(/\.\d{3}Z$/, 'Z'),
        },
    }));
    const seconds = (d: Date) => Math.floor(d.getTime() / 1000);
    const all = [...comments, ...labels]
      .filter((x) => since === undefined || seconds(x.updated) >= Math.floor(since / 1000))
      .filter((x) => before === undefined || seconds(x.updated) <= Math.floor(before / 1000))
      .sort((a, b) => a.at.getTime() - b.at.getTime() || a.id - b.id);
    const pageParam = Number.parseInt(c.req.query('page') ?? '', 10);
    const shown = Number.isFinite(pageParam) && pageParam > 0 ? http.page(c, all) : all;
    // Rendered only for the page (a long thread is not serialised whole for every page).
    const body = shown.map((x) => x.json());
    c.header('X-Total-Count', String(body.length));
    // An empty page is `null`, as Gitea v1.25 and Forgejo v15 send it: both build the page as a nil
    // Go slice (`var apiComments []*api.TimelineComment`), which JSON-encodes as `null`.
    return c.json(body.length === 0 ? null : body);
  });

  // issueGetComments: every comment of the issue, oldest first, `since`/`before` on the update
  // time — and no pagination: Gitea ignores `page`/`limit` here (v1.25.4 swagger lists neither;
  // `ListIssueComments` builds `FindCommentsOptions` without `ListOptions`). `X-Total-Count` is the
  // number of comments.
  app.get(`${base}/:index/comments`, (c) => {
    const found = http.repo(c);
    if (found instanceof Response) return found;
    const issue = issueOf(c, found.repo);
    if (issue instanceof Response) return issue;
    const since = parseTime(c.req.query('since'));
    const before = parseTime(c.req.query('before'));
    if (Number.isNaN(since) || Number.isNaN(before)) return http.error(c, 422, 'invalid time, use RFC 3339');
    const seconds = (d: Date) => Math.floor(d.getTime() / 1000);
    const list = [...state.comments.values()]
      .filter((m) => m.repoId === found.repo.id && m.issueNumber === issue.number)
      .filter((m) => since === undefined || seconds(m.updatedAt) >= Math.floor(since / 1000))
      .filter((m) => before === undefined || seconds(m.updatedAt) <= Math.floor(before / 1000))
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.id - b.id);
    c.header('X-Total-Count', String(list.length));
    return c.json(list.map((m) => json.comment(found.repo, m)));
  });

  // issueCreateComment: 201 with the comment.
  app.post(`${base}/:index/comments`, async (c) => {
    const found = http.repo(c);
    if (found instanceof Response) return found;
    const issue = issueOf(c, found.repo);
    if (issue instanceof Response) return issue;
    const body = await http.body(c, ['body']);
    if (body instanceof Response) return body;
    const caller = c.get('caller');
    if (!caller) return http.error(c, 401, 'token is required');
    const comment = state.addComment(`${found.repo.owner}/${found.repo.name}`, issue.number, {
      body: String(body['body']),
      author: caller.login,
    });
    issue.updatedAt = comment.createdAt;
    return c.json(json.comment(found.repo, comment), 201);
  });

  // issueGetLabels
  app.get(`${base}/:index/labels`, (c) => {
    const found = http.repo(c);
    if (found instanceof Response) return found;
    const issue = issueOf(c, found.repo);
    if (issue instanceof Response) return issue;
    const labels = issue.labelIds.flatMap((id) => found.repo.labels.filter((l) => l.id === id));
    return c.json(labels.map((l) => json.label(found.repo, l)));
  });

  // issueAddLabel: ids or names, not mixed (400); unknown ones silently ignored; 200 with the labels.
  app.post(`${base}/:index/labels`, async (c) => {
    const found = http.repo(c);
    if (found instanceof Response) return found;
    const { repo } = found;
    const issue = issueOf(c, repo);
    if (issue instanceof Response) return issue;
    if (rank(found.permission) < rank('write')) return http.error(c, 403, 'write permission is required');
    const body = await http.body(c);
    if (body instanceof Response) return body;
    const given = Array.isArray(body['labels']) ? (body['labels'] as unknown[]) : [];
    if (given.some((l) => typeof l !== 'number' && typeof l !== 'string')) {
      return http.error(c, 400, 'a label must be an integer or a string');
    }
    const ids = given.filter((l): l is number => typeof l === 'number');
    const names = given.filter((l): l is string => typeof l === 'string');
    if (ids.length > 0 && names.length > 0) {
      return http.error(c, 400, 'labels should be an array of strings or integers');
    }
    const toAdd = repo.labels.filter((l) => ids.includes(l.id) || names.includes(l.name));
    for (const label of toAdd) {
      if (issue.labelIds.includes(label.id)) continue;
      issue.labelIds.push(label.id);
      issue.labelEvents.push({ id: state.newId(), labelId: label.id, actorId: c.get('caller')?.id ?? 0, added: true, at: state.now() });
    }
    if (toAdd.length > 0) issue.updatedAt = state.now();
    const labels = issue.labelIds.flatMap((id) => repo.labels.filter((l) => l.id === id));
    return c.json(
      labels.map((l) => json.label(repo, l)),
      200,
    );
  });

  // issueRemoveLabel: by numeric id only. A name parses as id 0 → 422 "label does not exist";
  // 403 (empty body) without write access; 204 even when the label was not on the issue.
  app.delete(`${base}/:index/labels/:id`, (c) => {
    const found = http.repo(c);
    if (found instanceof Response) return found;
    const issue = issueOf(c, found.repo);
    if (issue instanceof Response) return issue;
    if (rank(found.permission) < rank('write')) return c.body(null, 403);
    const raw = c.req.param('id');
    const id = /^-?[0-9]+$/.test(raw) ? Number(raw) : 0;
    const exists = [...state.repos.values()].some((r) => r.labels.some((l) => l.id === id));
    if (!exists) return http.error(c, 422, `label does not exist [label_id: ${id}]`);
    const before = issue.labelIds.length;
    issue.labelIds = issue.labelIds.filter((l) => l !== id);
    if (issue.labelIds.length !== before) {
      issue.updatedAt = state.now();
      issue.labelEvents.push({ id: state.newId(), labelId: id, actorId: c.get('caller')?.id ?? 0, added: false, at: issue.updatedAt });
    }
    return c.body(null, 204);
  });
}
