import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { EngineEvents } from '../engine/engine-events.js';
import type { JobBrowser } from '../engine/job-browser.js';
import type { JobReader } from '../engine/job-reader.js';
import type { Logger } from '../log/logger.js';
import type { Redactor } from '../log/redact.js';
import type { Job } from '../domain/job.js';
import type { DashboardData } from './dashboard-data.js';
import { jobRow } from './job-view.js';
import { labelWorkersIn } from './worker-label.js';
import type { WebEnv } from './viewer.js';

/** Options of {@link createEventsRoute}. Times in ms. */
export interface EventsRouteOptions {
  engine: JobBrowser & JobReader & EngineEvents;
  data: Pick<DashboardData, 'canSee'>;
  redact: Redactor;
  logger: Logger;
  /** A keep-alive comment after this long without an event (default 15 000). */
  keepAliveMs?: number;
  /** The change feed is read at least this often even without an engine event (default 2 000). */
  pollMs?: number;
}

const BATCH = 500;

/**
 * `GET /api/events`: Server-Sent Events of job changes the viewer may see.
 * - `event: job`, `id: <change id>`, `data: {change: {id, jobId, state, at, detail?}, job: JobRow}`
 *   for every committed transition (`JobBrowser.changes`, commit-ordered ids), oldest first;
 * - `event: output`, `data: {jobId}` when a visible job's output grew (read it with
 *   `GET /api/jobs/{id}/log?after=`); not part of the resumable feed;
 * - `: keep-alive` comments.
 * A reconnect with `Last-Event-ID: <id>` (or `?after=<id>`) resumes after that change and misses
 * none; without it the stream starts at the newest change (`event: ready`, `id: <newest>`). A
 * malformed `Last-Event-ID` answers 400. Changes of jobs the viewer may not see are skipped.
 */
export function createEventsRoute(options: EventsRouteOptions): Hono<WebEnv> {
  const app = new Hono<WebEnv>();
  const keepAliveMs = options.keepAliveMs ?? 15_000;
  const pollMs = options.pollMs ?? 2_000;
  const { engine } = options;

  app.get('/api/events', async (c) => {
    const raw = c.req.header('last-event-id') ?? c.req.query('after');
    if (raw !== undefined && !/^\d{1,15}$/.test(raw.trim())) return c.json({ status: 'bad-request', reason: 'Last-Event-ID (or after) must be a change id from this stream' }, 400);
    const viewer = c.get('viewer');
    let after = raw !== undefined ? Number(raw.trim()) : await engine.lastChangeId();
    c.header('X-Accel-Buffering', 'no');
    return streamSSE(c, async (stream) => {
      let wake: (() => void) | undefined;
      let dirty = true;
      const outputs = new Set<string>();
      const poke = () => {
        const w = wake;
        wake = undefined;
        w?.();
      };
      const unsubscribe = engine.subscribe((event) => {
        if (event.kind === 'changed') dirty = true;
        else if (event.kind === 'output') outputs.add(event.jobId);
        else return;
        poke();
      });
      stream.onAbort(() => {
        unsubscribe();
        poke();
      });
      const seeable = new Map<string, { job: Job | undefined; ok: boolean }>();
      const lookup = async (jobId: string) => {
        const job = await engine.get(jobId);
        const ok = job ? await options.data.canSee(viewer, job) : false;
        return { job, ok };
      };
      try {
        if (raw === undefined) await stream.writeSSE({ event: 'ready', id: String(after), data: JSON.stringify({ after }) });
        let quietSince = Date.now();
        while (!stream.aborted) {
          if (dirty) {
            dirty = false;
            seeable.clear();
            for (;;) {
              const changes = await engine.changes(after, BATCH);
              for (const change of changes) {
                const seen = await lookup(change.jobId);
                if (seen.ok && seen.job) {
                  const data = {
                    change: {
                      id: change.id,
                      jobId: change.jobId,
                      state: change.state,
                      at: change.at,
                      ...(change.detail ? { detail: labelWorkersIn(viewer, options.redact(change.detail)) } : {}),
                    },
                    job: jobRow(seen.job, options.redact, Date.now(), viewer),
                  };
                  await stream.writeSSE({ event: 'job', id: String(change.id), data: JSON.stringify(data) });
                  quietSince = Date.now();
                }
                after = change.id;
              }
              if (changes.length < BATCH || stream.aborted) break;
            }
          }
          for (const jobId of [...outputs]) {
            outputs.delete(jobId);
            const cached = seeable.get(jobId) ?? (await lookup(jobId));
            seeable.set(jobId, cached);
            if (cached.ok) {
              await stream.writeSSE({ event: 'output', data: JSON.stringify({ jobId }) });
              quietSince = Date.now();
            }
          }
          if (Date.now() - quietSince >= keepAliveMs) {
            await stream.write(': keep-alive\n\n');
            quietSince = Date.now();
          }
          if (stream.aborted) break;
          await new Promise<void>((resolve) => {
            const t = setTimeout(
              () => {
                dirty = true;
                resolve();
              },
              Math.min(pollMs, keepAliveMs),
            );
            wake = () => {
              clearTimeout(t);
              resolve();
            };
            if (dirty || outputs.size > 0) wake();
          });
        }
      } catch (err) {
        if (!stream.aborted) options.logger.warn({ err }, 'event stream ended by an error');
      } finally {
        unsubscribe();
      }
    });
  });
  return app;
}
