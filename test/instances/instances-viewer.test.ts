import { describe, expect, it } from 'vitest';
import { ensureAdminToken } from '../../src/admin/admin-token.js';
import { sessionKey } from '../../src/web/session-key.js';
import { encodeSession, newSession, SESSION_COOKIE } from '../../src/web/session-cookie.js';
import { labelledIssue, twoInstances, until, type TwoInstances } from './support/two-services.js';

/** The Cookie header of a session for `login` signed in on `instance` (`undefined`: the first). */
function cookieOf(world: TwoInstances, login: string, id: number, instance?: string): string {
  const key = sessionKey(world.config.stateDir, world.config.web?.sessionSecret);
  return `${SESSION_COOKIE}=${encodeSession(newSession({ login, id }, 3600_000, Date.now(), instance), key)}`;
}

async function jobIds(world: TwoInstances, cookie: string): Promise<string[]> {
  const res = await world.service.app.request('/api/jobs', { headers: { cookie } });
  expect(res.status).toBe(200);
  return ((await res.json()) as { jobs: Array<{ id: string }> }).jobs.map((j) => j.id).sort();
}

describe('dashboard access with two instances', { timeout: 120_000 }, () => {
  it("a person is a user of the instance they signed in on: the same acme/app on the other instance is hidden even when the first says they can read it; the other's role check goes to the other with its token", async () => {
    // An ingress only: the jobs stay queued, so that they can be looked at and canceled.
    const world = await twoInstances({}, { role: 'ingress' });
    const { a, b } = world;
    const na = labelledIssue(a);
    const nb = labelledIssue(b);
    const ra = await world.label(a, na);
    const rb = await world.label(b, nb);
    expect([ra.status, rb.status]).toEqual([202, 202]);
    const jobA = ra.json.job!;
    const jobB = rb.json.job!;
    await until('both jobs queued', async () => (await world.service.store.get(jobA))?.state === 'queued' && (await world.service.store.get(jobB))?.state === 'queued');

    // bob reads acme/app on B only; carol on A only.
    b.fake.setPermission('acme/app', 'bob', 'read');
    a.fake.setPermission('acme/app', 'carol', 'read');
    // alice has write on both forges' acme/app — two different people.
    const aliceOfA = cookieOf(world, 'alice', a.fake.user('alice').id);
    const bobOfB = cookieOf(world, 'bob', b.fake.user('bob').id, b.name);
    const carolOfA = cookieOf(world, 'carol', a.fake.user('carol').id);
    const bobOfA = cookieOf(world, 'bob', 999, undefined);

    expect(await jobIds(world, aliceOfA)).toEqual([jobA]);
    expect(await jobIds(world, bobOfB)).toEqual([jobB]);
    expect(await jobIds(world, carolOfA)).toEqual([jobA]);

    // The job page and its actions: another instance's job is "not found".
    expect((await world.service.app.request(`/api/jobs/${jobB}`, { headers: { cookie: aliceOfA } })).status).toBe(404);
    expect((await world.service.app.request(`/api/jobs/${jobB}`, { headers: { cookie: bobOfB } })).status).toBe(200);
    const csrf = (cookie: string) => JSON.parse(Buffer.from(cookie.split('=')[1]!.split('.')[0]!, 'base64url').toString()).csrf as string;
    const cancel = await world.service.app.request(`/api/jobs/${jobB}/cancel`, {
      method: 'POST',
      headers: { cookie: aliceOfA, 'x-csrf-token': csrf(aliceOfA), 'content-type': 'application/json', origin: 'http://localhost' },
    });
    expect([cancel.status, await cancel.text()]).toEqual([404, expect.stringContaining('not-found')]);
    expect((await world.service.store.get(jobB))?.state).toBe('queued');

    // The session says where the person signed in.
    const session = (await (await world.service.app.request('/api/session', { headers: { cookie: bobOfB } })).json()) as { viewer: { instance?: string } };
    expect(session.viewer.instance).toBe(b.name);

    // Every permission lookup for bob (a user of B) went to B with B's token; A was never asked about B's people.
    const permissionCalls = (side: typeof a, login: string) => side.calls.filter((c) => c.path.includes(`/collaborators/${login}/permission`));
    expect(permissionCalls(b, 'bob').length).toBeGreaterThan(0);
    expect(new Set(permissionCalls(b, 'bob').map((c) => c.token))).toEqual(new Set([`token-of-${b.name}`]));
    expect(permissionCalls(a, 'bob')).toEqual([]);
    // A bob signed in on A is not B's bob: A knows no bob on its acme/app.
    expect(await jobIds(world, bobOfA)).toEqual([]);

    // The admin sees both.
    const admin = await world.service.app.request('/api/jobs', { headers: { authorization: `Bearer ${ensureAdminToken(world.config.stateDir)}` } });
    expect(((await admin.json()) as { jobs: Array<{ id: string }> }).jobs.map((j) => j.id).sort()).toEqual([jobA, jobB].sort());
  });
});
