import { Hono } from 'hono';
import { streamSSE, type SSEStreamingApi } from 'hono/streaming';
import type { DashboardData } from '../../../src/web/dashboard-data.js';
import { createPageRoutes } from '../../../src/web/pages/page-routes.js';
import type { Viewer, WebEnv } from '../../../src/web/viewer.js';
import { SAMPLE_NOW } from './sample-data.js';

/** A signed-in person of the sample app. */
export const ALICE: Viewer = { kind: 'person', login: 'alice', id: 2, csrfToken: 'c5rf-alice-0123456789abcdef', expiresAt: SAMPLE_NOW + 3_600_000 };

/** The stand-in API of {@link sampleApp}: what the client script called, and a way to push events. */
export interface SampleApi {
  /** `POST /api/jobs/{id}/cancel|retry` requests: path and `X-CSRF-Token` header. */
  actions: Array<{ path: string; csrf: string | undefined }>;
  /** `GET /api/jobs/{id}/log?after=` requests, by `after`. */
  logReads: number[];
  /** The job log the stand-in API serves (append to make it grow). */
  log: { text: string; complete: boolean };
  /** Open `/api/events` streams. */
  streams: number;
  /** Sends `event` with `data` (JSON) to every open event stream. */
  emit(event: string, data: unknown): Promise<void>;
}

/**
 * The page routes over `data`, behind a stand-in for web's viewer middleware that makes every
 * request come from `viewer()` (tests switch it), plus a stand-in of the API the client script uses
 * (`/api/events`, `/api/jobs/{id}/log`, `/api/jobs/{id}/cancel|retry`) that the test drives.
 */
export function sampleApp(
  data: DashboardData,
  viewer: () => Viewer,
  options: { oauth?: boolean; signIn?: ReadonlyArray<{ name: string; host: string }>; now?: () => number } = {},
): Hono<WebEnv> & { api: SampleApi } {
  const app = new Hono<WebEnv>();
  const open = new Set<SSEStreamingApi>();
  const api: SampleApi = {
    actions: [],
    logReads: [],
    log: { text: '', complete: false },
    get streams() {
      return open.size;
    },
    async emit(event, payload) {
      let id = 0;
      for (const stream of open) await stream.writeSSE({ event, id: String(++id), data: JSON.stringify(payload) });
    },
  };
  app.use('*', async (c, next) => {
    c.set('viewer', viewer());
    await next();
  });
  app.get('/api/events', (c) =>
    streamSSE(c, async (stream) => {
      open.add(stream);
      stream.onAbort(() => {
        open.delete(stream);
      });
      await stream.writeSSE({ event: 'ready', data: '{}' });
      while (!stream.aborted && !stream.closed) await stream.sleep(200);
      open.delete(stream);
    }),
  );
  app.get('/api/jobs/:id/log', (c) => {
    const after = Number(c.req.query('after') ?? '0');
    api.logReads.push(after);
    const bytes = Buffer.from(api.log.text, 'utf8');
    return c.json({ jobId: c.req.param('id'), text: bytes.subarray(after).toString('utf8'), next: bytes.length, complete: api.log.complete });
  });
  app.post('/api/jobs/:id/:action{cancel|retry}', (c) => {
    api.actions.push({ path: c.req.path, csrf: c.req.header('x-csrf-token') });
    return c.json({ ok: false, status: 'forbidden', reason: 'you need write permission on acme/app' }, 403);
  });
  app.route('/', createPageRoutes({ data, oauth: options.oauth ?? true, ...(options.signIn ? { signIn: options.signIn } : {}), now: options.now ?? (() => SAMPLE_NOW) }));
  return Object.assign(app, { api });
}
