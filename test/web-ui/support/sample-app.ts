import { Hono } from 'hono';
import type { DashboardData } from '../../../src/web/dashboard-data.js';
import { createPageRoutes } from '../../../src/web/pages/page-routes.js';
import type { Viewer, WebEnv } from '../../../src/web/viewer.js';
import { SAMPLE_NOW } from './sample-data.js';

/** A signed-in person of the sample app. */
export const ALICE: Viewer = { kind: 'person', login: 'alice', id: 2, csrfToken: 'c5rf-alice-0123456789abcdef', expiresAt: SAMPLE_NOW + 3_600_000 };

/**
 * The page routes over `data`, behind a stand-in for web's viewer middleware that makes every
 * request come from `viewer()` (tests switch it).
 */
export function sampleApp(data: DashboardData, viewer: () => Viewer, options: { oauth?: boolean } = {}): Hono<WebEnv> {
  const app = new Hono<WebEnv>();
  app.use('*', async (c, next) => {
    c.set('viewer', viewer());
    await next();
  });
  app.route('/', createPageRoutes({ data, oauth: options.oauth ?? true, now: () => SAMPLE_NOW }));
  return app;
}
