import { Hono } from 'hono';
import type { EngineEvents } from '../engine/engine-events.js';
import type { JobBrowser } from '../engine/job-browser.js';
import type { JobReader } from '../engine/job-reader.js';
import type { Logger } from '../log/logger.js';
import type { Redactor } from '../log/redact.js';
import { createApiRoutes } from './api-routes.js';
import { createAuthRoutes, type AuthOptions } from './auth-routes.js';
import { csrfGuard } from './csrf-guard.js';
import type { DashboardData } from './dashboard-data.js';
import { createEventsRoute } from './events-route.js';
import { requireViewer, viewerMiddleware } from './viewer-middleware.js';
import type { WebEnv } from './viewer.js';

/** Options of {@link createWebApp}. */
export interface WebAppOptions {
  data: DashboardData;
  engine: JobBrowser & JobReader & EngineEvents;
  redact: Redactor;
  logger: Logger;
  /** The admin bearer token. */
  adminToken: string;
  /** The key session cookies are signed with (`sessionKey()`). */
  sessionKey: Buffer;
  /** Sign-in with Gitea; absent when not configured (only the admin token then). */
  oauth?: Omit<AuthOptions, 'sessionKey' | 'logger' | 'secure'> & { publicUrl: string };
  /**
   * The dashboard's pages (web-ui), mounted at `/` after the API; they read `c.get('viewer')`. Absent:
   * `/` answers a minimal sign-in page or, when signed in, a pointer to the API.
   */
  pages?: Hono<WebEnv>;
  /** SSE timing (tests shorten it), ms. */
  events?: { keepAliveMs?: number; pollMs?: number };
  now?: () => number;
}

/**
 * The dashboard's server side, mounted on the webhook's Hono app and port: the viewer middleware
 * (admin bearer token, or a session cookie from sign-in with Gitea) on every route; `/auth/*`;
 * `/api/*` (401 JSON without credentials; CSRF-checked for sessions) with the JSON API and the
 * `/api/events` stream; then the pages. See README "Dashboard API".
 */
export function createWebApp(options: WebAppOptions): Hono<WebEnv> {
  const app = new Hono<WebEnv>();
  const secure = options.oauth?.publicUrl.startsWith('https:') ?? false;
  const origins = options.oauth ? [new URL(options.oauth.publicUrl).origin] : [];
  const viewer = viewerMiddleware({ adminToken: options.adminToken, sessionKey: options.sessionKey, ...(options.now ? { now: options.now } : {}) });
  const guard = csrfGuard(origins);
  app.use('*', viewer);
  app.use('/api/*', requireViewer(), guard);
  app.use('/auth/logout', guard);
  app.route(
    '/',
    createAuthRoutes(
      options.oauth ? { ...options.oauth, secure, sessionKey: options.sessionKey, logger: options.logger, ...(options.now ? { now: options.now } : {}) } : undefined,
      secure,
    ),
  );
  app.route('/', createEventsRoute({ engine: options.engine, data: options.data, redact: options.redact, logger: options.logger, ...options.events }));
  app.route('/', createApiRoutes(options.data));
  app.onError((err, c) => {
    options.logger.error({ err, path: c.req.path }, 'dashboard request failed');
    return c.json({ status: 'error', reason: 'kugetsu could not answer this request; see its log' }, 500);
  });
  if (options.pages) app.route('/', options.pages);
  else {
    app.get('/', (c) => {
      const v = c.get('viewer');
      if (v.kind === 'anonymous') {
        return c.html(
          `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>kugetsu</title></head><body><main><h1>kugetsu</h1>${options.oauth ? '<p><a href="/auth/login">Sign in with Gitea</a></p>' : '<p>Sign-in with Gitea is not configured; use the admin token with the API.</p>'}</main></body></html>`,
        );
      }
      return c.json({ viewer: v.kind === 'person' ? v.login : v.kind, api: ['/api/jobs', '/api/overview', '/api/queue', '/api/events'] });
    });
  }
  return app;
}
