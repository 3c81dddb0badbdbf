import { giteaApi } from 'gitea-js';
import PQueue from 'p-queue';
import { z } from 'zod';
import {
  commentSchema,
  hookSchema,
  ignoredSchema,
  issueSchema,
  labelSchema,
  permissionSchema,
  pullRequestSchema,
  repositorySchema,
  reviewSchema,
  timelineCommentPageSchema,
  timelinePage,
  timelineEntrySchema,
  userSchema,
} from './gitea-schemas.js';
import { giteaRoute } from './gitea-routes.js';
import { toGiteaError } from './to-gitea-error.js';
import { GiteaError, type GiteaCallObserver, type GiteaClient } from './types.js';

/** Options of {@link createGiteaClient}. */
export interface GiteaClientOptions {
  /** Gitea's root URL, e.g. `https://gitea.example.org` (trailing slashes are stripped). */
  baseUrl: string;
  /** API token (sent as `Authorization: Bearer …`); never appears in an error message. */
  token: string;
  /** Replaces the global `fetch` (which is otherwise looked up at call time, so msw sees it). */
  fetch?: typeof fetch;
  /**
   * Requests in flight at once (default 16); more wait their turn. A burst of deliveries, each read
   * back from Gitea, must not open hundreds of connections to one Gitea.
   */
  maxConcurrent?: number;
  /**
   * Told about every HTTP request to Gitea once it is answered or failed: its route template
   * (`giteaRoute`), status (0 for a network error) and latency (ms). For metrics; must not throw.
   */
  observe?: GiteaCallObserver;
}

/** Page size for list calls: Gitea's default `[api] MAX_RESPONSE_ITEMS` (50). */
const PAGE_SIZE = 50;
/** Stop paginating after this many pages, whatever the server says. */
const MAX_PAGES = 200;

type ApiResponse = { data: unknown; status: number; headers: Headers };

/**
 * A {@link GiteaClient} over gitea-js 1.23.0 (`giteaApi`). Handles the traps of
 * `shared/docs/gitea-contract.md` §5: strips trailing slashes from `baseUrl` (gitea-js would make
 * `//api/v1`); URL-encodes owner, repo, user and sha path segments (gitea-js interpolates them
 * raw); turns every failure (gitea-js rejects with the `Response` on non-2xx; `fetch` rejects with
 * `TypeError: fetch failed` on network errors) into a {@link GiteaError} carrying the HTTP status
 * (0 for network errors) and Gitea's `message`; validates the fields it reads with zod (a
 * malformed 2xx body is a `GiteaError` with that status, not retryable). List methods read every
 * page (`limit=50`, until a short page or `X-Total-Count` is reached).
 */
export function createGiteaClient(options: GiteaClientOptions): GiteaClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const observe = options.observe;
  const apiRoot = `${baseUrl}/api/v1`;
  // The fetch every request goes through: timed and named by its route template when observed.
  // The global fetch is looked up at call time (msw replaces it in tests).
  const observedFetch: typeof fetch = async (input, init) => {
    const doFetch = options.fetch ?? globalThis.fetch;
    const started = performance.now();
    const request = input instanceof Request ? input : undefined;
    const url = request ? request.url : String(input);
    const route = giteaRoute(init?.method ?? request?.method ?? 'GET', url, apiRoot);
    try {
      const response = await doFetch(input, init);
      observe?.({ route, status: response.status, durationMs: performance.now() - started });
      return response;
    } catch (err) {
      observe?.({ route, status: 0, durationMs: performance.now() - started });
      throw err;
    }
  };
  const api = giteaApi(baseUrl, {
    token: options.token,
    ...(options.fetch || observe ? { customFetch: observe ? observedFetch : options.fetch! } : {}),
  });
  const secrets = [options.token];
  const lanes = new PQueue({ concurrency: Math.max(1, options.maxConcurrent ?? 16) });
  const limited = <T>(work: () => Promise<T>): Promise<T> => lanes.add(work) as Promise<T>;

  function convert(operation: string, failure: unknown): GiteaError {
    if (failure instanceof InvalidSegmentError) return new GiteaError(operation, 400, failure.message);
    return toGiteaError(operation, failure, secrets);
  }

  async function call<T>(operation: string, schema: z.ZodType<T>, run: () => Promise<ApiResponse>): Promise<T> {
    let response: ApiResponse;
    try {
      response = await limited(run);
    } catch (failure) {
      throw convert(operation, failure);
    }
    return parse(operation, schema, response);
  }

  function parse<T>(operation: string, schema: z.ZodType<T>, response: ApiResponse): T {
    const parsed = schema.safeParse(response.data);
    if (!parsed.success) {
      throw new GiteaError(operation, response.status, `unexpected response body: ${z.prettifyError(parsed.error)}`);
    }
    return parsed.data;
  }

  /**
   * Every page of a list. `X-Total-Count` ends the loop early unless `trustTotal` is false (the
   * timeline's header counts only the page it comes with, and a timeline page may come back short
   * while more follow: there an empty page is the end).
   */
  async function all<T>(operation: string, schema: z.ZodType<T>, run: (page: number, limit: number) => Promise<ApiResponse>, trustTotal = true): Promise<T[]> {
    const items: T[] = [];
    for (let page = 1; page <= MAX_PAGES; page++) {
      let response: ApiResponse;
      try {
        response = await limited(() => run(page, PAGE_SIZE));
      } catch (failure) {
        throw convert(operation, failure);
      }
      // The timeline (the only caller with `trustTotal` false) answers `null` for an empty page.
      const batch = parse(operation, trustTotal ? z.array(schema) : timelinePage(schema), response);
      items.push(...batch);
      const total = trustTotal ? Number(response.headers.get('x-total-count') ?? Number.NaN) : Number.NaN;
      const done = batch.length === 0 || (Number.isFinite(total) ? items.length >= total : trustTotal && batch.length < PAGE_SIZE);
      if (done) break;
    }
    return items;
  }

  const r = api.repos;
  return {
    currentUser: () => call('currentUser', userSchema, () => api.user.userGetCurrent()),
    getIssue: (o, rp, n) => call('getIssue', issueSchema, () => r.issueGetIssue(seg(o), seg(rp), n)),
    listComments: (o, rp, n, since) => call('listComments', z.array(commentSchema), () => r.issueGetComments(seg(o), seg(rp), n, since !== undefined ? { since } : {})),
    listCommentPage: (o, rp, n, page, limit) => call('listCommentPage', timelineCommentPageSchema, () => r.issueGetCommentsAndTimeline(seg(o), seg(rp), n, { page, limit })),
    createComment: (o, rp, n, body) =>
      call('createComment', commentSchema, () => r.issueCreateComment(seg(o), seg(rp), n, { body })).then((c) => ({
        id: c.id,
      })),
    editComment: (o, rp, id, body) => call('editComment', ignoredSchema, () => r.issueEditComment(seg(o), seg(rp), id, { body })),
    deleteComment: (o, rp, id) => call('deleteComment', ignoredSchema, () => r.issueDeleteComment(seg(o), seg(rp), id)),
    addCommentReaction: (o, rp, id, content) => call('addCommentReaction', ignoredSchema, () => r.issuePostCommentReaction(seg(o), seg(rp), id, { content })),
    removeIssueLabel: (o, rp, n, labelId) => call('removeIssueLabel', ignoredSchema, () => r.issueRemoveLabel(seg(o), seg(rp), n, labelId)),
    getRepository: (o, rp) => call('getRepository', repositorySchema, () => r.repoGet(seg(o), seg(rp))),
    getPullRequest: (o, rp, n) => call('getPullRequest', pullRequestSchema, () => r.repoGetPullRequest(seg(o), seg(rp), n)),
    addIssueLabels: (o, rp, n, labels) => call('addIssueLabels', z.array(labelSchema), () => r.issueAddLabel(seg(o), seg(rp), n, { labels: [...labels] })),
    listRepoLabels: (o, rp) => all('listRepoLabels', labelSchema, (page, limit) => r.issueListLabels(seg(o), seg(rp), { page, limit })),
    createLabel: (o, rp, label) =>
      call('createLabel', labelSchema, () =>
        r.issueCreateLabel(seg(o), seg(rp), {
          name: label.name,
          color: label.color,
          ...(label.description !== undefined ? { description: label.description } : {}),
        }),
      ),
    getCollaboratorPermission: (o, rp, user) => call('getCollaboratorPermission', permissionSchema, () => r.repoGetRepoPermissions(seg(o), seg(rp), seg(user))),
    createCommitStatus: (o, rp, sha, status) =>
      call('createCommitStatus', ignoredSchema, () =>
        r.repoCreateStatus(seg(o), seg(rp), seg(sha), {
          state: status.state,
          ...(status.targetUrl !== undefined ? { target_url: status.targetUrl } : {}),
          ...(status.description !== undefined ? { description: status.description } : {}),
          ...(status.context !== undefined ? { context: status.context } : {}),
        }),
      ),
    createPullRequest: (o, rp, pr) =>
      call('createPullRequest', pullRequestSchema, () => r.repoCreatePullRequest(seg(o), seg(rp), { title: pr.title, head: pr.head, base: pr.base, body: pr.body ?? '' })),
    listPullRequests: (o, rp, state = 'open') => all('listPullRequests', pullRequestSchema, (page, limit) => r.repoListPullRequests(seg(o), seg(rp), { state, page, limit })),
    listIssues: (o, rp, filter = {}) =>
      all('listIssues', issueSchema, (page, limit) =>
        r.issueListIssues(seg(o), seg(rp), {
          state: filter.state ?? 'open',
          ...(filter.labels && filter.labels.length > 0 ? { labels: filter.labels.join(',') } : {}),
          ...(filter.type ? { type: filter.type } : {}),
          page,
          limit,
        }),
      ),
    listRepoComments: (o, rp, since) => all('listRepoComments', commentSchema, (page, limit) => r.issueGetRepoComments(seg(o), seg(rp), { since, page, limit })),
    listHooks: (o, rp) => all('listHooks', hookSchema, (page, limit) => r.repoListHooks(seg(o), seg(rp), { page, limit })),
    createHook: (o, rp, hook) =>
      call('createHook', hookSchema, () =>
        r.repoCreateHook(seg(o), seg(rp), {
          type: (hook.type ?? 'gitea') as 'gitea',
          config: { url: hook.url, content_type: hook.contentType ?? 'json', secret: hook.secret },
          events: [...hook.events],
          branch_filter: hook.branchFilter ?? '*',
          active: hook.active ?? true,
          ...(hook.authorizationHeader !== undefined ? { authorization_header: hook.authorizationHeader } : {}),
        }),
      ),
    editHook: (o, rp, id, hook) =>
      call('editHook', hookSchema, () => {
        const config: Record<string, string> = {};
        if (hook.url !== undefined) config['url'] = hook.url;
        if (hook.contentType !== undefined) config['content_type'] = hook.contentType;
        return r.repoEditHook(seg(o), seg(rp), id, {
          ...(Object.keys(config).length > 0 ? { config } : {}),
          events: [...hook.events],
          branch_filter: hook.branchFilter ?? '*',
          ...(hook.active !== undefined ? { active: hook.active } : {}),
        });
      }),
    labelAddition: async (o, rp, n, labelId) => {
      const entries = await all('labelAddition', timelineEntrySchema, (page, limit) => r.issueGetCommentsAndTimeline(seg(o), seg(rp), n, { page, limit }), false);
      // Gitea writes a `label` timeline comment with body "1" when a label is added, "" when removed
      // (Gitea v1.25 `models/issues/comment.go`, `createLabelComment`).
      const last = entries.filter((e) => e.type === 'label' && e.label?.id === labelId && e.body === '1' && e.user).at(-1);
      if (!last?.user) return undefined;
      return { user: { id: last.user.id, login: last.user.login }, entryId: last.id, createdAt: last.created_at ?? '' };
    },
    getComment: async (o, rp, id) => {
      const comment = await call('getComment', commentSchema.nullable(), () => r.issueGetComment(seg(o), seg(rp), id));
      // 204: the id names a timeline entry that is not a plain comment (a label change, a review…).
      if (comment === null) throw new GiteaError('getComment', 404, `comment ${id} is not a plain comment`);
      return comment;
    },
    listPullReviews: (o, rp, n) => all('listPullReviews', reviewSchema, (page, limit) => r.repoListPullReviews(seg(o), seg(rp), n, { page, limit })),
    deleteHook: (o, rp, id) => call('deleteHook', ignoredSchema, () => r.repoDeleteHook(seg(o), seg(rp), id)),
  };
}

/** A path parameter that no URL can carry as one segment. */
class InvalidSegmentError extends Error {}

/**
 * One URL path segment, `encodeURIComponent`-ed (gitea-js interpolates path params raw). `''`,
 * `.` and `..` (also as `%2E`) would be read as another path by URL normalisation: they are
 * refused before any request, as a `GiteaError` with status 400 (no valid Gitea name is one of them).
 */
function seg(value: string): string {
  if (value === '' || value === '.' || value === '..') {
    throw new InvalidSegmentError(`invalid path segment ${JSON.stringify(value)}`);
  }
  return encodeURIComponent(value);
}
