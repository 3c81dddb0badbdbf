import { createHash, timingSafeEqual } from 'node:crypto';
import { Hono } from 'hono';
import type { Job, JobState } from '../domain/job.js';
import { summarizeJob } from './job-summary.js';

/** What cancelling a job did (answered 200, 404 and 409). */
export type CancelOutcome =
  /** The job was queued or running and is being stopped (a running agent's process group is killed). */
  | { status: 'canceled'; state?: JobState }
  /** No such job. */
  | { status: 'unknown' }
  /** The job had already finished; nothing to cancel. */
  | { status: 'finished'; state: JobState };

/** Options of {@link createAdminApp}. */
export interface AdminAppOptions {
  /** The bearer token every request must carry (`ensureAdminToken(stateDir)`). */
  token: string;
  /** Cancels a queued or running job (the server wires it to its scheduler and store). */
  cancelJob: (id: string) => CancelOutcome | Promise<CancelOutcome>;
  /** The most recent jobs, newest first (the server wires it to `store.recent`). */
  listJobs: (limit: number) => Promise<Job[]>;
  /** Where the scheduler has a job now (`scheduler.place`), shown in the list. */
  place?: (id: string) => string | undefined;
}

/**
 * The admin API that `kugetsu jobs cancel` talks to, mounted by the server beside the webhook
 * route (`app.route('/', createAdminApp(…))`):
 * - `POST /admin/jobs/:id/cancel` → 200 `{status:"canceled", job}`, 404 `{status:"unknown"}`,
 *   409 `{status:"finished", state}`;
 * - `GET /admin/jobs?limit=N` → 200 `{jobs: JobSummary[]}` (default 20, at most 500).
 * Every request needs `Authorization: Bearer <token>` (compared in constant time), else 401.
 */
export function createAdminApp(options: AdminAppOptions): Hono {
  const app = new Hono();
  app.use('/admin/*', async (c, next) => {
    const given = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1] ?? '';
    if (!given || !sameToken(given, options.token)) {
      return c.json({ status: 'unauthorized', reason: 'missing or wrong admin token: send "Authorization: Bearer <contents of <state>/admin-token>"' }, 401);
    }
    await next();
  });
  app.post('/admin/jobs/:id/cancel', async (c) => {
    const id = c.req.param('id');
    if (!/^[1-9]\d{0,15}$/.test(id)) return c.json({ status: 'unknown', job: id, reason: `"${id}" is not a job id` }, 404);
    const outcome = await options.cancelJob(id);
    if (outcome.status === 'unknown') return c.json({ status: 'unknown', job: id, reason: `no job ${id}` }, 404);
    if (outcome.status === 'finished') return c.json({ status: 'finished', job: id, state: outcome.state, reason: `job ${id} already ${outcome.state}` }, 409);
    return c.json({ status: 'canceled', job: id, ...(outcome.state ? { state: outcome.state } : {}) }, 200);
  });
  app.get('/admin/jobs', async (c) => {
    const asked = Number.parseInt(c.req.query('limit') ?? '20', 10);
    const limit = Number.isFinite(asked) && asked > 0 ? Math.min(asked, 500) : 20;
    const jobs = await options.listJobs(limit);
    return c.json({ jobs: jobs.map((j) => summarizeJob(j, options.place?.(j.id))) });
  });
  return app;
}

function sameToken(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}
