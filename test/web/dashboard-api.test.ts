/**
 * Issue 13: the dashboard's JSON API — who sees what (a signed-in person, the admin token, nobody),
 * CSRF, cancel and retry with the authorization of `/kugetsu stop|retry`, bad query input.
 * kugetsu runs in process (ingress role: jobs stay queued) against the fake Gitea (msw), signed in
 * through the fake's OAuth endpoints.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useFakeGitea } from '../support/fake-gitea.js';
import { PUBLIC_URL, useWebWorld, type Session } from './web-world.js';

const gitea = useFakeGitea({ strict: false });
const web = useWebWorld(gitea, 'kugetsu-web-api-');

/** acme/app (public; bob writes, rita reads by default), acme/secret (private; bob writes, rita has no access). */
function seed() {
  const fake = gitea.fake;
  fake.addRepo({ owner: 'acme', name: 'app', cloneUrl: web.world.origin });
  fake.addRepo({ owner: 'acme', name: 'secret', cloneUrl: web.world.origin, private: true });
  fake.setPermission('acme/app', 'bob', 'write');
  fake.setPermission('acme/secret', 'bob', 'write');
  fake.user('rita');
  fake.addIssue('acme/app', { title: 'Public bug', body: 'b', author: 'bob' });
  fake.addIssue('acme/secret', { title: 'Secret bug', body: 'token sk-live-123 inside', author: 'bob' });
  return fake;
}

const adminToken = () => readFileSync(path.join(web.world.tmp, 'state', 'admin-token'), 'utf8').trim();
const json = async (res: Response) => (await res.json()) as any;
const as = (s: Session, extra: Record<string, string> = {}) => ({ headers: { cookie: s.cookie, ...extra } });
const post = (s: Session, extra: Record<string, string> = {}) => ({ method: 'POST', headers: { cookie: s.cookie, origin: PUBLIC_URL, 'x-csrf-token': s.csrf, ...extra } });

describe('the dashboard API', () => {
  it('without a session or token: /api/* answers 401 JSON, / shows only a sign-in link; a wrong bearer token is no better', async () => {
    const fake = seed();
    await web.start();
    await web.ask(fake, 'acme/secret', 1, 'bob', 'do the secret thing');
    for (const [method, p] of [
      ['GET', '/api/jobs'],
      ['GET', '/api/jobs/1'],
      ['GET', '/api/jobs/1/log'],
      ['GET', '/api/overview'],
      ['GET', '/api/queue'],
      ['GET', '/api/events'],
      ['POST', '/api/jobs/1/cancel'],
      ['POST', '/api/jobs/1/retry'],
    ] as const) {
      const res = await web.request(p, { method });
      expect(res.status, `${method} ${p}`).toBe(401);
      expect((await json(res)).status).toBe('unauthorized');
    }
    const wrong = await web.request('/api/jobs', { headers: { authorization: 'Bearer 0123' } });
    expect(wrong.status).toBe(401);
    const page = await web.request('/');
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('/auth/login');
    expect(html).not.toContain('secret thing');
    expect(html).not.toContain('acme/secret');
  });

  it('the admin bearer token sees every job, private repositories included, and needs no CSRF token', async () => {
    const fake = seed();
    await web.start();
    const a = await web.ask(fake, 'acme/app', 1, 'bob');
    const b = await web.ask(fake, 'acme/secret', 1, 'bob', 'secret work');
    const auth = { authorization: `Bearer ${adminToken()}` };
    const list = await json(await web.request('/api/jobs', { headers: auth }));
    expect(list.jobs.map((j: any) => j.id).sort()).toEqual([a, b].sort());
    const detail = await json(await web.request(`/api/jobs/${b}`, { headers: auth }));
    expect(detail.job.issueKey).toBe('acme/secret#1');
    expect(detail.request.message).toBe('secret work');
    expect(detail.may).toEqual({ cancel: true, retry: false });
    const canceled = await web.request(`/api/jobs/${b}/cancel`, { method: 'POST', headers: auth });
    expect(canceled.status).toBe(200);
    expect(await json(canceled)).toMatchObject({ ok: true, status: 'canceled', jobId: b, state: 'canceled' });
    expect((await web.world.service.store.get(b))?.state).toBe('canceled');
  });

  it("a finished job shows the turn's tokens, cost and model as the agent reported them", async () => {
    const fake = seed();
    await web.start();
    const id = await web.ask(fake, 'acme/app', 1, 'bob');
    const usage = { inputTokens: 1200, outputTokens: 340, cacheReadTokens: 5000, cacheWriteTokens: 0, costUsd: 0.0123, costSource: 'agent' as const, model: 'sonnet-x' };
    const result = { exitCode: 0, timedOut: false, canceled: false, durationMs: 1000, outputTail: '', newCommits: 1, pushed: true, usage };
    expect(await web.world.service.store.change(id, { expect: ['queued'], patch: { state: 'succeeded', finishedAt: new Date().toISOString(), result } })).toBeDefined();
    const bob = await web.signIn('bob');
    const detail = await json(await web.request(`/api/jobs/${id}`, as(bob)));
    expect(detail.outcome).toMatchObject({ tokens: { input: 1200, output: 340, cacheRead: 5000, cacheWrite: 0 }, costUsd: 0.0123, model: 'sonnet-x' });
    const page = await (await web.request(`/jobs/${id}`, as(bob))).text();
    expect(page).toContain('1200 in, 340 out, 5000 cache read (sonnet-x)');
    expect(page).toContain('0.0123 USD');
  });

  it('a person without read access to a private repository sees none of its jobs: list, detail, log, overview, queue', async () => {
    const fake = seed();
    await web.start();
    const pub = await web.ask(fake, 'acme/app', 1, 'bob');
    const secret = await web.ask(fake, 'acme/secret', 1, 'bob', 'secret work');
    const rita = await web.signIn('rita');
    const list = await json(await web.request('/api/jobs', as(rita)));
    expect(list.jobs.map((j: any) => j.id)).toEqual([pub]);
    const filtered = await json(await web.request('/api/jobs?repo=acme/secret', as(rita)));
    expect(filtered.jobs).toEqual([]);
    for (const p of [`/api/jobs/${secret}`, `/api/jobs/${secret}/log`]) {
      const res = await web.request(p, as(rita));
      expect(res.status, p).toBe(404);
    }
    const overview = await json(await web.request('/api/overview', as(rita)));
    expect(overview.counts.queued).toBe(1);
    expect(JSON.stringify(overview)).not.toContain('acme/secret');
    const queue = await json(await web.request('/api/queue', as(rita)));
    expect(queue.lanes.map((l: any) => l.issueKey)).toEqual(['acme/app#1']);
    // bob, a writer on both, sees both.
    const bob = await web.signIn('bob');
    expect((await json(await web.request('/api/jobs', as(bob)))).jobs.map((j: any) => j.id).sort()).toEqual([pub, secret].sort());
    expect((await web.request(`/api/jobs/${secret}`, as(bob))).status).toBe(200);
  });

  it("a signed-in person sees a worker as `worker <hex>`, never its host name or pid; the admin token sees the worker's id", async () => {
    const fake = seed();
    await web.start();
    const id = await web.ask(fake, 'acme/app', 1, 'bob');
    const store = web.world.service.store;
    const workerId = 'w:build-host-7.internal:4242:0a1b2c3d';
    await store.workerSeen({ id: workerId, host: 'build-host-7.internal', pid: 4242, slots: 2, startedAt: new Date().toISOString() });
    expect((await store.claim({ workerId, slots: 1, leaseMs: 60_000, limits: () => ({}), claimed: () => [], rateLimited: () => [] })).map((j) => j.id)).toEqual([id]);
    const rita = await web.signIn('rita');
    const shown: string[] = [];
    for (const p of ['/api/overview', '/api/jobs', `/api/jobs/${id}`, '/api/queue', '/', `/jobs/${id}`, '/queue']) {
      const res = await web.request(p, as(rita));
      expect(res.status, p).toBe(200);
      const text = await res.text();
      expect(text, p).not.toContain('build-host-7');
      expect(text, p).not.toContain('4242');
      shown.push(...(text.match(/worker [0-9a-f]{8}/g) ?? []));
    }
    // One label, the same on every page, for the one worker.
    expect(new Set(shown).size).toBe(1);
    const label = shown[0]!;
    const overview = await json(await web.request('/api/overview', as(rita)));
    expect(overview.slots.workers.map((w: any) => w.workerId)).toEqual([label]);
    expect(overview.running.map((j: any) => j.workerId)).toEqual([label]);
    const admin = await json(await web.request('/api/overview', { headers: { authorization: `Bearer ${adminToken()}` } }));
    expect(admin.slots.workers.map((w: any) => w.workerId)).toEqual([workerId]);
    expect(admin.running.map((j: any) => j.workerId)).toEqual([workerId]);

    // The live event stream, read from its start as the person reads it: the claim's change
    // ("attempt 1 on <worker>") and the job row carry the same label, never the host or the pid.
    const res = await web.request('/api/events?after=0', as(rita));
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let stream = '';
    for (let chunk = 0; chunk < 50 && !stream.includes('attempt 1 on'); chunk++) {
      const { value, done } = await reader.read();
      if (done) break;
      stream += decoder.decode(value, { stream: true });
    }
    await reader.cancel();
    expect(stream).toContain(`attempt 1 on ${label}`);
    expect(stream).toContain(`"workerId":"${label}"`);
    expect(stream).not.toContain('build-host-7');
    expect(stream).not.toContain('4242');
  });

  it('a reader cannot cancel (403, the job stays queued); a writer can; a finished job answers 409', async () => {
    const fake = seed();
    await web.start();
    const id = await web.ask(fake, 'acme/app', 1, 'bob');
    const rita = await web.signIn('rita');
    const detail = await json(await web.request(`/api/jobs/${id}`, as(rita)));
    expect(detail.may.cancel).toBe(false);
    const refused = await web.request(`/api/jobs/${id}/cancel`, post(rita));
    expect(refused.status).toBe(403);
    expect((await json(refused)).reason).toContain('write');
    expect((await web.world.service.store.get(id))?.state).toBe('queued');

    const bob = await web.signIn('bob');
    expect((await json(await web.request(`/api/jobs/${id}`, as(bob)))).may.cancel).toBe(true);
    const done = await web.request(`/api/jobs/${id}/cancel`, post(bob));
    expect(done.status).toBe(200);
    expect((await web.world.service.store.get(id))?.state).toBe('canceled');
    const again = await web.request(`/api/jobs/${id}/cancel`, post(bob));
    expect(again.status).toBe(409);
  });

  it("retry takes /kugetsu retry's path: a reader is refused, a writer gets a new job with the same message", async () => {
    const fake = seed();
    await web.start();
    const id = await web.ask(fake, 'acme/app', 1, 'bob', 'the original request');
    const bob = await web.signIn('bob');
    expect((await web.request(`/api/jobs/${id}/retry`, post(bob))).status).toBe(409); // still queued
    expect((await web.request(`/api/jobs/${id}/cancel`, post(bob))).status).toBe(200);
    const rita = await web.signIn('rita');
    expect((await web.request(`/api/jobs/${id}/retry`, post(rita))).status).toBe(403);
    const retried = await web.request(`/api/jobs/${id}/retry`, post(bob));
    expect(retried.status).toBe(202);
    const body = await json(retried);
    expect(body).toMatchObject({ ok: true, status: 'retried', jobId: id });
    const fresh = await web.world.service.store.get(body.newJobId);
    expect(fresh).toMatchObject({ state: 'queued', message: 'the original request', issueKey: 'acme/app#1' });
    expect(fresh?.sender.login).toBe('bob');
  });

  it("CSRF: a session's state change needs its token and this origin; a cross-site form post is refused", async () => {
    const fake = seed();
    await web.start();
    const id = await web.ask(fake, 'acme/app', 1, 'bob');
    const bob = await web.signIn('bob');
    const noToken = await web.request(`/api/jobs/${id}/cancel`, { method: 'POST', headers: { cookie: bob.cookie, origin: PUBLIC_URL } });
    expect(noToken.status).toBe(403);
    expect((await json(noToken)).reason).toContain('CSRF');
    const wrongToken = await web.request(`/api/jobs/${id}/cancel`, post(bob, { 'x-csrf-token': 'f'.repeat(32) }));
    expect(wrongToken.status).toBe(403);
    const otherSite = await web.request(`/api/jobs/${id}/cancel`, post(bob, { origin: 'http://evil.test' }));
    expect(otherSite.status).toBe(403);
    const form = await web.request(`/api/jobs/${id}/cancel`, {
      method: 'POST',
      headers: { cookie: bob.cookie, origin: 'http://evil.test', 'content-type': 'application/x-www-form-urlencoded' },
      body: `_csrf=${bob.csrf}`,
    });
    expect(form.status).toBe(403);
    expect((await web.world.service.store.get(id))?.state).toBe('queued');
    const logout = await web.request('/auth/logout', { method: 'POST', headers: { cookie: bob.cookie, origin: 'http://evil.test' } });
    expect(logout.status).toBe(403);
    // The same form from this site, with the token field, works.
    const ok = await web.request(`/api/jobs/${id}/cancel`, {
      method: 'POST',
      headers: { cookie: bob.cookie, origin: PUBLIC_URL, 'content-type': 'application/x-www-form-urlencoded' },
      body: `_csrf=${bob.csrf}`,
    });
    expect(ok.status).toBe(200);
    expect((await web.world.service.store.get(id))?.state).toBe('canceled');
  });

  it('bad query input answers 400 with the reason; filters narrow the list; paging with before', async () => {
    const fake = seed();
    await web.start();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await web.ask(fake, 'acme/app', 1, 'bob', `request number ${i}`));
    const auth = { headers: { authorization: `Bearer ${adminToken()}` } };
    for (const [q, reason] of [
      ['state=done', 'state must be'],
      ['issue=abc', 'issue must be'],
      ['since=yesterday', 'since must be'],
      ['limit=0', 'limit must be'],
      ['limit=999', 'limit must be'],
      ['before=x', 'before must be'],
      ['colour=red', 'unknown parameter colour'],
      ['repo=acme', 'repo must be owner/name'],
    ] as const) {
      const res = await web.request(`/api/jobs?${q}`, auth);
      expect(res.status, q).toBe(400);
      expect((await json(res)).reason, q).toContain(reason);
    }
    expect((await web.request('/api/jobs/abc', auth)).status).toBe(400);
    const unknown = await web.request('/api/nothing-here', auth);
    expect([unknown.status, (await json(unknown)).status]).toEqual([404, 'not-found']);
    expect((await web.request(`/api/jobs/${ids[0]}/log?after=-1`, auth)).status).toBe(400);
    expect((await web.request('/api/events', { headers: { ...auth.headers, 'last-event-id': 'x' } })).status).toBe(400);

    const q = await json(await web.request('/api/jobs?q=NUMBER%203', auth));
    expect(q.jobs.map((j: any) => j.id)).toEqual([ids[3]]);
    const page1 = await json(await web.request('/api/jobs?limit=2&state=queued&sender=bob', auth));
    expect(page1.jobs.map((j: any) => j.id)).toEqual([ids[4], ids[3]]);
    const page2 = await json(await web.request(`/api/jobs?limit=2&before=${page1.next}`, auth));
    expect(page2.jobs.map((j: any) => j.id)).toEqual([ids[2], ids[1]]);
    expect((await json(await web.request('/api/jobs?state=failed', auth))).jobs).toEqual([]);
  });
});
