/**
 * Issue 13: `GET /api/events` — Server-Sent Events of job changes. A reconnect with
 * `Last-Event-ID` loses nothing across a burst of changes; a person sees only the changes (and the
 * output events) of jobs they may read; keep-alive comments flow while nothing happens.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useFakeGitea } from '../support/fake-gitea.js';
import { readSse, useWebWorld, type SseEvent } from './web-world.js';

const gitea = useFakeGitea({ strict: false });
const web = useWebWorld(gitea, 'kugetsu-web-sse-');

function seed() {
  const fake = gitea.fake;
  fake.addRepo({ owner: 'acme', name: 'app', cloneUrl: web.world.origin });
  fake.addRepo({ owner: 'acme', name: 'secret', cloneUrl: web.world.origin, private: true });
  fake.setPermission('acme/app', 'bob', 'write');
  fake.setPermission('acme/secret', 'bob', 'write');
  fake.user('rita');
  fake.addIssue('acme/app', { title: 'Public bug', body: 'b', author: 'bob' });
  fake.addIssue('acme/secret', { title: 'Secret bug', body: 'b', author: 'bob' });
  return fake;
}

const jobEvents = (events: SseEvent[]) =>
  events.filter((e) => e.event === 'job').map((e) => ({ id: Number(e.id), ...(JSON.parse(e.data!) as { change: { jobId: string; state: string }; job: { issueKey: string } }) }));

describe('the event stream', () => {
  it('a reconnect with Last-Event-ID misses no change of a burst; ids follow the change feed', async () => {
    const fake = seed();
    const service = await web.start();
    const admin = { authorization: `Bearer ${readFileSync(path.join(web.world.tmp, 'state', 'admin-token'), 'utf8').trim()}` };
    const stop = new AbortController();
    const first = await web.request('/api/events', { headers: admin, signal: stop.signal });
    const firstJob = web.ask(fake, 'acme/app', 1, 'bob', 'first');
    const seen = await readSse(first, (ev) => jobEvents(ev).length >= 1);
    stop.abort();
    expect(seen[0]).toMatchObject({ event: 'ready' });
    const [created] = jobEvents(seen);
    expect(created!.change).toMatchObject({ jobId: await firstJob, state: 'queued' });
    const lastId = created!.id;

    // A burst while disconnected: 8 new jobs over both repositories, 4 of them canceled.
    const ids: string[] = [];
    for (let i = 0; i < 8; i++) ids.push(await web.ask(fake, i % 2 ? 'acme/secret' : 'acme/app', 1, 'bob', `burst ${i}`));
    for (const id of ids.slice(0, 4)) expect((await web.request(`/api/jobs/${id}/cancel`, { method: 'POST', headers: admin })).status).toBe(200);
    const expected = await service.store.changes(lastId, 1000);
    expect(expected.length).toBeGreaterThanOrEqual(12);

    const again = await web.request('/api/events', { headers: { ...admin, 'last-event-id': String(lastId) } });
    const resumed = jobEvents(await readSse(again, (ev) => jobEvents(ev).some((e) => e.id === expected.at(-1)!.id)));
    expect(resumed.map((e) => e.id)).toEqual(expected.map((c) => c.id));
    expect(resumed.map((e) => `${e.change.jobId}:${e.change.state}`)).toEqual(expected.map((c) => `${c.jobId}:${c.state}`));
  });

  it("a person without read access gets none of a private repository's changes or output events; redacted output for the rest", async () => {
    const fake = seed();
    const service = await web.start();
    const rita = await web.signIn('rita');
    const start = await service.store.lastChangeId();
    const jobs: Array<{ id: string; repo: string }> = [];
    for (let i = 0; i < 6; i++) {
      const repo = i % 2 ? 'acme/secret' : 'acme/app';
      jobs.push({ id: await web.ask(fake, repo, 1, 'bob', `job ${i}`), repo });
    }
    const publicIds = jobs.filter((j) => j.repo === 'acme/app').map((j) => j.id);
    const secretJob = jobs.find((j) => j.repo === 'acme/secret')!.id;
    const visible = (await service.store.changes(start, 1000)).filter((c) => publicIds.includes(c.jobId));

    const stop = new AbortController();
    const res = await web.request('/api/events', { headers: { cookie: rita.cookie, 'last-event-id': String(start) }, signal: stop.signal });
    const reading = readSse(res, (ev) => ev.some((e) => e.event === 'output' && JSON.parse(e.data!).jobId === publicIds[0]));
    // Output of the secret job first: were it leaked, it would come before the public one.
    await new Promise((r) => setTimeout(r, 200));
    await service.store.appendOutput(secretJob, 'secret output\n');
    await service.store.appendOutput(publicIds[0]!, `printed ${gitea.fake.token} by mistake\n`);
    const events = await reading;
    stop.abort();
    const got = jobEvents(events);
    expect(got.map((e) => e.id)).toEqual(visible.map((c) => c.id));
    expect(got.every((e) => e.job.issueKey === 'acme/app#1')).toBe(true);
    expect(events.filter((e) => e.event === 'output').map((e) => JSON.parse(e.data!).jobId)).toEqual([publicIds[0]]);

    const log = (await (await web.request(`/api/jobs/${publicIds[0]}/log`, { headers: { cookie: rita.cookie } })).json()) as { text: string; next: number };
    expect(log.text).toContain('printed');
    expect(log.text).not.toContain(gitea.fake.token);
    expect(log.next).toBeGreaterThan(0);
    const more = (await (await web.request(`/api/jobs/${publicIds[0]}/log?after=${log.next}`, { headers: { cookie: rita.cookie } })).json()) as { text: string };
    expect(more.text).toBe('');
    expect((await web.request(`/api/jobs/${secretJob}/log`, { headers: { cookie: rita.cookie } })).status).toBe(404);
  });

  it('sends keep-alive comments while nothing happens', async () => {
    seed();
    await web.start({}, { keepAliveMs: 100, pollMs: 50 });
    const bob = await web.signIn('bob');
    const events = await readSse(await web.request('/api/events', { headers: { cookie: bob.cookie } }), (ev) => ev.filter((e) => e.comment === 'keep-alive').length >= 2);
    expect(events[0]).toMatchObject({ event: 'ready' });
    expect(events.filter((e) => e.comment === 'keep-alive').length).toBeGreaterThanOrEqual(2);
  });
});
