import { Hono } from 'hono';
import { FakeGiteaHttp, type FakeGiteaEnv } from './fake-gitea-http.js';
import { registerFakeIssueRoutes } from './fake-gitea-issue-routes.js';
import { FakeGiteaJson } from './fake-gitea-json.js';
import { registerFakeOAuthRoutes } from './fake-gitea-oauth.js';
import { registerFakeRepoRoutes } from './fake-gitea-repo-routes.js';
import type { FakeGiteaState, FakeUser } from './fake-gitea-state.js';

/**
 * The fake Gitea's REST API as a Hono app over `state` (no call log, no faults: see
 * `createFakeGitea`). Authentication as in Gitea v1.25 (`services/auth`): `Authorization: Bearer
 * <token>` or `token <token>` (or `?token=`/`?access_token=`); an unknown token → 401 on every
 * route; no token → anonymous, which may read public repositories unless `requireSignIn`, and
 * gets 401 `token is required` on `GET /user` and on every write. OAuth2 access tokens from
 * `/login/oauth/access_token` authenticate like personal tokens (fake-gitea-oauth.ts).
 */
export function createFakeGiteaApp(state: FakeGiteaState): Hono<FakeGiteaEnv> {
  const app = new Hono<FakeGiteaEnv>();
  const http = new FakeGiteaHttp(state);
  const json = new FakeGiteaJson(state);

  // The OAuth2 provider authenticates the client application, not a user token.
  registerFakeOAuthRoutes(app, state, state.oauth);

  app.use('*', async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const match = /^(?:bearer|token)\s+(.+)$/i.exec(header.trim());
    const token = match?.[1] ?? c.req.query('token') ?? c.req.query('access_token');
    let caller: FakeUser | null = null;
    if (token !== undefined) {
      caller = [...state.users.values()].find((u) => u.token !== undefined && u.token === token) ?? state.userById(state.oauth.userIdOfToken(token) ?? -1) ?? null;
      if (!caller) return http.error(c, 401, 'user does not exist [uid: 0, name: ]');
    } else if (c.req.method !== 'GET' || c.req.path === '/api/v1/user' || state.requireSignIn) {
      return http.error(c, 401, 'token is required');
    }
    c.set('caller', caller);
    await next();
  });

  // getVersion (swagger `getVersion`): the Gitea version this fake follows.
  // Forgejo reports its own version with the Gitea version it is compatible with (Forgejo v11).
  app.get('/api/v1/version', (c) => c.json({ version: state.flavour === 'forgejo' ? '11.0.3+gitea-1.22.0' : '1.25.4' }));

  // userGetCurrent
  app.get('/api/v1/user', (c) => {
    const caller = c.get('caller');
    return caller ? c.json(json.user(caller)) : http.error(c, 401, 'token is required');
  });

  registerFakeIssueRoutes(app, http, json);
  registerFakeRepoRoutes(app, http, json);
  app.notFound((c) => http.notFound(c));
  app.onError((err, c) => http.error(c, 500, `fake Gitea bug: ${err.message}`));
  return app;
}
