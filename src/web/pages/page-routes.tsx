import { Hono, type Context } from 'hono';
import type { JSX } from 'hono/jsx/jsx-runtime';
import { secureHeaders } from 'hono/secure-headers';
import type { DashboardData } from '../dashboard-data.js';
import type { Viewer, WebEnv } from '../viewer.js';
import { loadAssets } from './assets.js';
import { HistoryPage } from './history-page.js';
import { parseHistoryQuery } from './history-query.js';
import { JobPage } from './job-page.js';
import { OverviewPage } from './overview-page.js';
import { QueuePage } from './queue-page.js';
import { NotFoundPage, SignInPage } from './sign-in-page.js';

/** What {@link createPageRoutes} needs. */
export interface PageRoutesOptions {
  /** The typed data functions the JSON API uses too (they check what the viewer may see). */
  data: DashboardData;
  /** True when sign-in with Gitea is set up (`KUGETSU_OAUTH_*`): the sign-in page links to `/auth/login`. */
  oauth: boolean;
  /**
   * With several instances: those people can sign in with (name and host), first one first — the
   * sign-in page then offers one button each (`/auth/login?instance=<name>`). Absent: one "Sign in
   * with Gitea" button.
   */
  signIn?: ReadonlyArray<{ name: string; host: string }>;
  /** ms since the epoch (tests fix it). */
  now?: () => number;
}

/**
 * The dashboard's pages, server-rendered with Hono JSX, for a Hono app whose middleware has set
 * `c.var.viewer` (web's viewer middleware; absent counts as anonymous):
 * - `GET /` — the overview, or without a session the sign-in page (no job data);
 * - `GET /queue`, `GET /history`, `GET /jobs/{id}` — 401 with the sign-in page when anonymous; an
 *   unknown job or one the viewer may not read → 404;
 * - `GET /assets/dashboard.css`, `GET /assets/dashboard.js`, `GET /assets/favicon.svg` — the
 *   stylesheet, the one client script and the icon (public, with ETags); `GET /favicon.ico`
 *   redirects to the icon.
 * Every page carries a strict Content-Security-Policy (`default-src 'none'`; script, style,
 * fetch and forms only from this origin; no inline script, no framing).
 */
export function createPageRoutes(options: PageRoutesOptions): Hono<WebEnv> {
  const now = options.now ?? Date.now;
  const assets = loadAssets();
  const app = new Hono<WebEnv>();
  const viewerOf = (c: Context<WebEnv>): Viewer => c.get('viewer') ?? { kind: 'anonymous' };

  app.use(
    '*',
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'none'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'"],
        connectSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
      },
      referrerPolicy: 'same-origin',
      // HTTPS is the reverse proxy's decision (kugetsu may be served over plain HTTP on a LAN).
      strictTransportSecurity: false,
    }),
  );

  app.get('/assets/:name', (c) => {
    const asset = assets.get(c.req.param('name'));
    if (!asset) return c.text('Not found', 404);
    c.header('etag', asset.etag);
    c.header('cache-control', 'no-cache');
    if (c.req.header('if-none-match') === asset.etag) return c.body(null, 304);
    return c.body(asset.body, 200, { 'content-type': asset.contentType });
  });

  app.get('/favicon.ico', (c) => c.redirect('/assets/favicon.svg', 301));

  const signIn = (c: Context<WebEnv>, status: 200 | 401) =>
    page(c, <SignInPage viewer={{ kind: 'anonymous' }} oauth={options.oauth} {...(options.signIn ? { instances: options.signIn } : {})} />, status);
  const page = async (c: Context<WebEnv>, body: JSX.Element, status: 200 | 401 | 404 = 200) => {
    c.header('cache-control', 'no-store');
    // The doctype keeps browsers in standards mode (JSX cannot express it).
    return c.html(`<!DOCTYPE html>${(await body).toString()}`, status);
  };

  app.get('/', async (c) => {
    const viewer = viewerOf(c);
    if (viewer.kind === 'anonymous') return signIn(c, 200);
    return page(c, <OverviewPage viewer={viewer} overview={await options.data.overview(viewer)} now={now()} />);
  });

  app.get('/queue', async (c) => {
    const viewer = viewerOf(c);
    if (viewer.kind === 'anonymous') return signIn(c, 401);
    return page(c, <QueuePage viewer={viewer} lanes={await options.data.queue(viewer)} now={now()} />);
  });

  app.get('/history', async (c) => {
    const viewer = viewerOf(c);
    if (viewer.kind === 'anonymous') return signIn(c, 401);
    const query = parseHistoryQuery(
      (name) => c.req.query(name),
      (name) => c.req.queries(name) ?? [],
    );
    if (!query.ok) return page(c, <HistoryPage viewer={viewer} form={query.form} list={undefined} error={query.reason} now={now()} />);
    const list = await options.data.listJobs(viewer, query.filter, query.page);
    return page(c, <HistoryPage viewer={viewer} form={query.form} list={list} now={now()} />);
  });

  app.get('/jobs/:id', async (c) => {
    const viewer = viewerOf(c);
    if (viewer.kind === 'anonymous') return signIn(c, 401);
    const id = c.req.param('id');
    const detail = await options.data.jobDetail(viewer, id);
    if (!detail) return page(c, <NotFoundPage viewer={viewer} what={`There is no job ${id} that you may see.`} />, 404);
    const log = await options.data.jobLog(viewer, id, 0);
    return page(c, <JobPage viewer={viewer} detail={detail} log={log} now={now()} />);
  });

  return app;
}
