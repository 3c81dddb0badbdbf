import { Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ActionOutcome, DashboardData } from './dashboard-data.js';
import { parseJobQuery } from './job-query.js';
import type { WebEnv } from './viewer.js';

const JOB_ID = /^[1-9]\d{0,15}$/;

/** HTTP status of a cancel or retry outcome. */
function actionStatus(outcome: ActionOutcome): ContentfulStatusCode {
  if (outcome.ok) return outcome.status === 'retried' || outcome.status === 'cancel-requested' ? 202 : 200;
  return ({ 'not-found': 404, forbidden: 403, conflict: 409, unavailable: 503 } as const)[outcome.status];
}

/**
 * The JSON API over {@link DashboardData} (the viewer is set and required by the caller's
 * middleware; CSRF is checked there too):
 * - `GET /api/session` → `{viewer: {kind, login?, csrfToken?, expiresAt?}}`;
 * - `GET /api/jobs?repo&issue&state&sender|person&since&until&q&before&limit` → `JobList` (400 `{status:"bad-request", reason}`);
 * - `GET /api/jobs/{id}` → `JobDetail`; `GET /api/jobs/{id}/log?after=<byte offset>` → `LogChunk`
 *   (404 for unknown jobs and jobs the viewer may not see; 400 for a malformed id or offset);
 * - `POST /api/jobs/{id}/cancel` → 200 canceled, 202 cancel-requested (a running agent stops at its
 *   worker's next heartbeat), 403, 404, 409 (already finished), 503 (permission not checkable now);
 * - `POST /api/jobs/{id}/retry` → 202 `{status:"retried", newJobId}`, 403, 404, 409, 503;
 * - `GET /api/overview` → `Overview`; `GET /api/queue` → `{lanes: QueueLane[]}`;
 * - any other `/api/…` → 404 JSON.
 */
export function createApiRoutes(data: DashboardData): Hono<WebEnv> {
  const app = new Hono<WebEnv>();
  const badRequest = (reason: string) => ({ status: 'bad-request', reason });
  const notFound = (id: string) => ({ status: 'not-found', reason: `no job ${id} (or you may not see it)` });

  app.get('/api/session', (c) => {
    const v = c.get('viewer');
    return c.json({
      viewer:
        v.kind === 'person'
          ? { kind: v.kind, login: v.login, csrfToken: v.csrfToken, expiresAt: new Date(v.expiresAt).toISOString(), ...(v.instance !== undefined ? { instance: v.instance } : {}) }
          : { kind: v.kind },
    });
  });
  app.get('/api/jobs', async (c) => {
    const query = parseJobQuery(c.req.queries());
    if ('error' in query) return c.json(badRequest(query.error), 400);
    return c.json(await data.listJobs(c.get('viewer'), query.filter, query.page));
  });
  app.get('/api/jobs/:id', async (c) => {
    const id = c.req.param('id');
    if (!JOB_ID.test(id)) return c.json(badRequest(`"${id.slice(0, 40)}" is not a job id`), 400);
    const detail = await data.jobDetail(c.get('viewer'), id);
    return detail ? c.json(detail) : c.json(notFound(id), 404);
  });
  app.get('/api/jobs/:id/log', async (c) => {
    const id = c.req.param('id');
    if (!JOB_ID.test(id)) return c.json(badRequest(`"${id.slice(0, 40)}" is not a job id`), 400);
    const raw = c.req.query('after') ?? '0';
    if (!/^\d{1,15}$/.test(raw)) return c.json(badRequest('after must be a byte offset (a whole number ≥ 0, "next" of the previous answer)'), 400);
    const chunk = await data.jobLog(c.get('viewer'), id, Number(raw));
    return chunk ? c.json(chunk) : c.json(notFound(id), 404);
  });
  for (const action of ['cancel', 'retry'] as const) {
    app.post(`/api/jobs/:id/${action}`, async (c) => {
      const id = c.req.param('id');
      if (!JOB_ID.test(id)) return c.json(badRequest(`"${id.slice(0, 40)}" is not a job id`), 400);
      const outcome = await data[action](c.get('viewer'), id);
      return c.json(outcome, actionStatus(outcome));
    });
  }
  app.get('/api/overview', async (c) => c.json(await data.overview(c.get('viewer'))));
  app.get('/api/queue', async (c) => c.json({ lanes: await data.queue(c.get('viewer')) }));
  app.all('/api/*', (c) => c.json({ status: 'not-found', reason: `no API route ${c.req.method} ${c.req.path}` }, 404));
  return app;
}
