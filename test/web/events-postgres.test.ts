/**
 * Issue 13 on the shared backend: the event stream over PostgreSQL (LISTEN/NOTIFY wake-ups,
 * commit-ordered change ids) — a reconnect with `Last-Event-ID` misses no change of a burst, and a
 * person without read access sees none of a private repository's changes.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useFakeGitea } from '../support/fake-gitea.js';
import { usePostgresDatabase } from '../support/postgres.js';
import { readSse, useWebWorld, type SseEvent } from './web-world.js';

const database = usePostgresDatabase();
const gitea = useFakeGitea({ strict: false });
const web = useWebWorld(gitea, 'kugetsu-web-pg-');

const jobEvents = (events: SseEvent[]) =>
  events.filter((e) => e.event === 'job').map((e) => ({ id: Number(e.id), ...(JSON.parse(e.data!) as { change: { jobId: string; state: string }; job: { issueKey: string } }) }));

describe('the event stream on PostgreSQL', () => {
  it('resumes after Last-Event-ID without losing a change of a burst; a reader of the public repository gets only its changes', async () => {
    const fake = gitea.fake;
    fake.addRepo({ owner: 'acme', name: 'app', cloneUrl: web.world.origin });
    fake.addRepo({ owner: 'acme', name: 'secret', cloneUrl: web.world.origin, private: true });
    fake.setPermission('acme/app', 'bob', 'write');
    fake.setPermission('acme/secret', 'bob', 'write');
    fake.user('rita');
    fake.addIssue('acme/app', { title: 'Public bug', body: 'b', author: 'bob' });
    fake.addIssue('acme/secret', { title: 'Secret bug', body: 'b', author: 'bob' });
    const service = await web.start({ KUGETSU_DATABASE_URL: await database.freshSchemaUrl() });
    const admin = { authorization: `Bearer ${readFileSync(path.join(web.world.tmp, 'state', 'admin-token'), 'utf8').trim()}` };
    const rita = await web.signIn('rita');

    const stop = new AbortController();
    const first = await web.request('/api/events', { headers: admin, signal: stop.signal });
    const firstJob = web.ask(fake, 'acme/app', 1, 'bob', 'first');
    const seen = jobEvents(await readSse(first, (ev) => jobEvents(ev).length >= 1));
    stop.abort();
    expect(seen[0]!.change.jobId).toBe(await firstJob);
    const lastId = seen[0]!.id;

    const jobs: Array<{ id: string; repo: string }> = [];
    for (let i = 0; i < 8; i++) {
      const repo = i % 2 ? 'acme/secret' : 'acme/app';
      jobs.push({ id: await web.ask(fake, repo, 1, 'bob', `burst ${i}`), repo });
    }
    for (const j of jobs.slice(0, 4)) expect((await web.request(`/api/jobs/${j.id}/cancel`, { method: 'POST', headers: admin })).status).toBe(200);
    const expected = await service.store.changes(lastId, 1000);
    expect(expected.length).toBeGreaterThanOrEqual(12);

    const resumed = jobEvents(
      await readSse(await web.request('/api/events', { headers: { ...admin, 'last-event-id': String(lastId) } }), (ev) => jobEvents(ev).some((e) => e.id === expected.at(-1)!.id)),
    );
    expect(resumed.map((e) => e.id)).toEqual(expected.map((c) => c.id));

    const publicIds = jobs.filter((j) => j.repo === 'acme/app').map((j) => j.id);
    const visible = expected.filter((c) => publicIds.includes(c.jobId));
    const forRita = jobEvents(
      await readSse(await web.request('/api/events', { headers: { cookie: rita.cookie, 'last-event-id': String(lastId) } }), (ev) =>
        jobEvents(ev).some((e) => e.id === visible.at(-1)!.id),
      ),
    );
    expect(forRita.map((e) => e.id)).toEqual(visible.map((c) => c.id));
    expect(forRita.every((e) => e.job.issueKey === 'acme/app#1')).toBe(true);
  });
});
