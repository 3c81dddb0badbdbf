import type { Hono } from 'hono';
import { type FakeGiteaHttp, intParam, type FakeGiteaEnv } from './fake-gitea-http.js';
import { expandHookEvents } from './fake-gitea-hook-events.js';
import type { FakeGiteaJson } from './fake-gitea-json.js';
import { fakeSha, type FakeHook } from './fake-gitea-state.js';

/** Commit status states (Gitea v1.25.4 swagger `CommitStatusState`). */
const STATUS_STATES = new Set(['pending', 'success', 'error', 'failure', 'warning']);
/** Hook types Gitea accepts (`IsValidHookTaskType`). */
const HOOK_TYPES = new Set(['gitea', 'gogs', 'slack', 'discord', 'dingtalk', 'telegram', 'msteams', 'feishu', 'matrix', 'wechatwork', 'packagist']);
const ADMIN_ONLY = 'user should be an owner or a collaborator with admin write of a repository';

/**
 * Registers the repository, label, permission, commit-status, pull-request and hook routes of the
 * fake Gitea, following Gitea v1.25 (`routers/api/v1/repo/*.go`, `routers/api/v1/utils/hook.go`;
 * swagger operations named on each route).
 */
export function registerFakeRepoRoutes(app: Hono<FakeGiteaEnv>, http: FakeGiteaHttp, json: FakeGiteaJson): void {
  const state = http.state;
  const base = '/api/v1/repos/:owner/:repo';

  // repoGet
  app.get(base, (c) => {
    const found = http.repo(c);
    return found instanceof Response ? found : c.json(json.repo(found.repo));
  });

  // issueListLabels
  app.get(`${base}/labels`, (c) => {
    const found = http.repo(c);
    if (found instanceof Response) return found;
    return c.json(http.page(c, found.repo.labels).map((l) => json.label(found.repo, l)));
  });

  // issueCreateLabel: 201; name and color required; color is 6 (or 3) hex digits.
  app.post(`${base}/labels`, async (c) => {
    const found = http.repo(c, 'write');
    if (found instanceof Response) return found;
    const body = await http.body(c, ['name', 'color']);
    if (body instanceof Response) return body;
    const color = String(body['color']);
    if (!/^#?([0-9a-fA-F]{6}|[0-9a-fA-F]{3})$/.test(color)) return http.error(c, 422, `invalid color "${color}"`);
    const label = state.addLabel(`${found.repo.owner}/${found.repo.name}`, String(body['name']), {
      color,
      description: typeof body['description'] === 'string' ? body['description'] : '',
    });
    return c.json(json.label(found.repo, label), 201);
  });

  // repoGetRepoPermissions: caller must be a site admin, a repo admin or that user (403 otherwise).
  app.get(`${base}/collaborators/:user/permission`, (c) => {
    const found = http.repo(c);
    if (found instanceof Response) return found;
    const caller = c.get('caller');
    if (!caller) return http.error(c, 401, 'token is required');
    const login = c.req.param('user');
    const repoAdmin = found.permission === 'admin' || found.permission === 'owner';
    if (!caller.isAdmin && caller.login.toLowerCase() !== login.toLowerCase() && !repoAdmin) {
      return http.error(c, 403, 'Only admins can query all permissions, repo admins can query all repo permissions, collaborators can query only their own');
    }
    const user = state.users.get(login.toLowerCase());
    if (!user) return http.error(c, 404, `user does not exist [uid: 0, name: ${login}]`);
    const permission = state.permissionOf(found.repo, user);
    return c.json({ permission, role_name: permission, user: json.user(user) });
  });

  // repoListStatuses
  app.get(`${base}/statuses/:sha`, (c) => {
    const found = http.repo(c);
    if (found instanceof Response) return found;
    const list = found.repo.statuses.filter((s) => s.sha === c.req.param('sha'));
    return c.json(http.page(c, list).map((s) => json.status(found.repo, s)));
  });

  // repoCreateStatus: 201; invalid state → 400.
  app.post(`${base}/statuses/:sha`, async (c) => {
    const found = http.repo(c, 'write');
    if (found instanceof Response) return found;
    const body = await http.body(c);
    if (body instanceof Response) return body;
    const stateName = String(body['state'] ?? '');
    if (!STATUS_STATES.has(stateName)) return http.error(c, 400, `invalid commit status state "${stateName}"`);
    const str = (k: string) => (typeof body[k] === 'string' ? (body[k] as string) : '');
    const status = {
      id: state.newId(),
      sha: c.req.param('sha'),
      state: stateName,
      targetUrl: str('target_url'),
      description: str('description'),
      context: str('context') || 'default',
      creatorId: c.get('caller')?.id ?? 0,
      createdAt: state.now(),
    };
    found.repo.statuses.push(status);
    return c.json(json.status(found.repo, status), 201);
  });

  // repoListPullRequests: state (default open), newest first.
  app.get(`${base}/pulls`, (c) => {
    const found = http.repo(c);
    if (found instanceof Response) return found;
    const wanted = c.req.query('state') ?? 'open';
    const list = [...found.repo.issues.values()].filter((i) => i.pull && (wanted === 'all' || i.state === wanted)).sort((a, b) => b.number - a.number);
    return c.json(http.page(c, list).map((i) => json.pull(found.repo, i)));
  });

  // repoGetPullRequest: a plain issue's number is 404 here.
  app.get(`${base}/pulls/:index`, (c) => {
    const found = http.repo(c);
    if (found instanceof Response) return found;
    const issue = found.repo.issues.get(intParam(c, 'index'));
    return issue?.pull ? c.json(json.pull(found.repo, issue)) : http.notFound(c);
  });

  // repoListPullReviews: the submitted reviews, oldest first, paginated; 404 for a plain issue.
  app.get(`${base}/pulls/:index/reviews`, (c) => {
    const found = http.repo(c);
    if (found instanceof Response) return found;
    const issue = found.repo.issues.get(intParam(c, 'index'));
    if (!issue?.pull) return http.notFound(c);
    return c.json(http.page(c, issue.pull.reviews).map((r) => json.review(found.repo, issue, r)));
  });

  // repoCreatePullRequest: 201; 409 when an open PR for the same head and base exists.
  app.post(`${base}/pulls`, async (c) => {
    const found = http.repo(c);
    if (found instanceof Response) return found;
    const body = await http.body(c, ['head', 'base', 'title']);
    if (body instanceof Response) return body;
    const repo = found.repo;
    const head = String(body['head']);
    const baseRef = String(body['base']);
    if (head === baseRef) return http.error(c, 422, 'Invalid PullRequest: There are no changes between the head and the base');
    const open = [...repo.issues.values()].find((i) => i.pull && i.state === 'open' && i.pull.headRef === head && i.pull.baseRef === baseRef);
    if (open) {
      return http.error(
        c,
        409,
        `pull request already exists for these targets [id: ${open.id}, issue_id: ${open.id}, head_repo_id: ${repo.id}, base_repo_id: ${repo.id}, head_branch: ${head}, base_branch: ${baseRef}]`,
      );
    }
    const pr = state.addPullRequest(`${repo.owner}/${repo.name}`, {
      title: String(body['title']),
      body: typeof body['body'] === 'string' ? body['body'] : '',
      author: c.get('caller')?.login ?? repo.owner,
      headRef: head,
      headSha: repo.branches.get(head) ?? fakeSha(`${repo.id}/${head}/${state.newId()}`),
      baseRef,
    });
    return c.json(json.pull(repo, pr), 201);
  });

  const hookOf = (hooks: FakeHook[], id: number) => hooks.find((h) => h.id === id);

  // repoListHooks (repo admin)
  app.get(`${base}/hooks`, (c) => {
    const found = http.repo(c, 'admin', ADMIN_ONLY);
    if (found instanceof Response) return found;
    return c.json(http.page(c, found.repo.hooks).map((h) => json.hook(h)));
  });

  // repoCreateHook: 201; `active` defaults to false; empty events mean push only.
  app.post(`${base}/hooks`, async (c) => {
    const found = http.repo(c, 'admin', ADMIN_ONLY);
    if (found instanceof Response) return found;
    const body = await http.body(c, ['type', 'config']);
    if (body instanceof Response) return body;
    const type = String(body['type']);
    // Forgejo adds its own type `forgejo` (same payloads and headers as `gitea`).
    if (!HOOK_TYPES.has(type) && !(type === 'forgejo' && state.flavour === 'forgejo')) return http.error(c, 422, `Invalid hook type: ${type}`);
    const config = (typeof body['config'] === 'object' ? body['config'] : {}) as Record<string, unknown>;
    for (const name of ['url', 'content_type']) {
      if (typeof config[name] !== 'string') return http.error(c, 422, `Missing config option: ${name}`);
    }
    if (config['content_type'] !== 'json' && config['content_type'] !== 'form') return http.error(c, 422, 'Invalid content type');
    const now = state.now();
    const hook: FakeHook = {
      id: state.newId(),
      type,
      url: String(config['url']),
      contentType: String(config['content_type']),
      secret: typeof config['secret'] === 'string' ? config['secret'] : '',
      events: expandHookEvents(body['events']),
      active: body['active'] === true,
      branchFilter: typeof body['branch_filter'] === 'string' ? body['branch_filter'] : '',
      authorizationHeader: typeof body['authorization_header'] === 'string' ? body['authorization_header'] : '',
      createdAt: now,
      updatedAt: now,
    };
    found.repo.hooks.push(hook);
    return c.json(json.hook(hook), 201);
  });

  // repoGetHook
  app.get(`${base}/hooks/:id`, (c) => {
    const found = http.repo(c, 'admin', ADMIN_ONLY);
    if (found instanceof Response) return found;
    const hook = hookOf(found.repo.hooks, intParam(c, 'id'));
    return hook ? c.json(json.hook(hook)) : http.notFound(c);
  });

  // repoEditHook: 200; url/content_type applied, `config.secret` NOT applied, events,
  // branch_filter and authorization_header replaced (absent events → push only), `active` only
  // when given (contract §4).
  app.patch(`${base}/hooks/:id`, async (c) => {
    const found = http.repo(c, 'admin', ADMIN_ONLY);
    if (found instanceof Response) return found;
    const hook = hookOf(found.repo.hooks, intParam(c, 'id'));
    if (!hook) return http.notFound(c);
    const body = await http.body(c);
    if (body instanceof Response) return body;
    const config = (typeof body['config'] === 'object' && body['config'] !== null ? body['config'] : {}) as Record<string, unknown>;
    if (config['content_type'] !== undefined && config['content_type'] !== 'json' && config['content_type'] !== 'form') {
      return http.error(c, 422, 'Invalid content type');
    }
    if (typeof config['url'] === 'string') hook.url = config['url'];
    if (typeof config['content_type'] === 'string') hook.contentType = config['content_type'];
    hook.events = expandHookEvents(body['events']);
    hook.branchFilter = typeof body['branch_filter'] === 'string' ? body['branch_filter'] : '';
    // Always replaced: an edit without it clears it (`editHook`: `w.SetHeaderAuthorization(form.AuthorizationHeader)`, Gitea and Forgejo).
    hook.authorizationHeader = typeof body['authorization_header'] === 'string' ? body['authorization_header'] : '';
    if (typeof body['active'] === 'boolean') hook.active = body['active'];
    hook.updatedAt = state.now();
    return c.json(json.hook(hook), 200);
  });

  // repoDeleteHook: 204, no body.
  app.delete(`${base}/hooks/:id`, (c) => {
    const found = http.repo(c, 'admin', ADMIN_ONLY);
    if (found instanceof Response) return found;
    const hook = hookOf(found.repo.hooks, intParam(c, 'id'));
    if (!hook) return http.notFound(c);
    found.repo.hooks.splice(found.repo.hooks.indexOf(hook), 1);
    return c.body(null, 204);
  });
}
