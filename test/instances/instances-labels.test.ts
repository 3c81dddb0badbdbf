import { describe, expect, it } from 'vitest';
import { ensureAdminToken } from '../../src/admin/admin-token.js';
import { KugetsuMetrics } from '../../src/metrics/kugetsu-metrics.js';
import { notificationPayload } from '../../src/report/notification-items.js';
import type { Overview, QueueLane } from '../../src/web/dashboard-types.js';
import { memoryLogger } from '../support/test-logger.js';
import { labelledIssue, twoInstances, until, type TwoInstances } from './support/two-services.js';

async function api<T>(world: TwoInstances, path: string): Promise<{ status: number; body: T }> {
  const res = await world.service.app.request(path, { headers: { authorization: `Bearer ${ensureAdminToken(world.config.stateDir)}` } });
  return { status: res.status, body: (await res.json()) as T };
}

describe('repository names with two instances', { timeout: 120_000 }, () => {
  it('dashboard columns, waiting and queue tables name host/owner/name; the repository filter takes host/owner/name and keeps the two acme/app apart', async () => {
    // An ingress only: the jobs stay queued (the waiting and queue tables have them).
    const world = await twoInstances({}, { role: 'ingress' });
    const { a, b } = world;
    const ra = await world.label(a, labelledIssue(a));
    const rb = await world.label(b, labelledIssue(b));
    expect([ra.status, rb.status]).toEqual([202, 202]);
    await until(
      'both jobs queued',
      async () => (await world.service.store.get(ra.json.job!))?.state === 'queued' && (await world.service.store.get(rb.json.job!))?.state === 'queued',
    );

    const all = await api<{ jobs: Array<{ id: string; repo: string; issueKey: string }> }>(world, '/api/jobs');
    expect(all.body.jobs.map((j) => [j.id, j.repo, j.issueKey]).sort()).toEqual(
      [
        [ra.json.job, `${a.host}/acme/app`, `${a.host}/acme/app#1`],
        [rb.json.job, `${b.host}/acme/app`, `${b.host}/acme/app#1`],
      ].sort(),
    );
    for (const side of [a, b]) {
      const one = await api<{ jobs: Array<{ id: string }> }>(world, `/api/jobs?repo=${side.host}/acme/app`);
      expect([one.status, one.body.jobs.map((j) => j.id)]).toEqual([200, [side === a ? ra.json.job : rb.json.job]]);
    }
    // The history page takes the same host/owner/name (the overview's waiting table links to it).
    for (const side of [a, b]) {
      const page = await world.service.app.request(`/history?repo=${encodeURIComponent(`${side.host}/acme/app`)}`, {
        headers: { authorization: `Bearer ${ensureAdminToken(world.config.stateDir)}` },
      });
      const html = await page.text();
      const [mine, other] = side === a ? [ra.json.job, rb.json.job] : [rb.json.job, ra.json.job];
      expect([page.status, html.includes(`href="/jobs/${mine}"`), html.includes(`href="/jobs/${other}"`)]).toEqual([200, true, false]);
    }
    const overview = await api<Overview>(world, '/api/overview');
    expect(overview.body.waiting.map((w) => [w.repo, w.count]).sort()).toEqual(
      [
        [`${a.host}/acme/app`, 1],
        [`${b.host}/acme/app`, 1],
      ].sort(),
    );
    // Gitea API metrics name the instance each request went to.
    const metrics = await (await world.service.app.request('/metrics', { headers: { authorization: `Bearer ${ensureAdminToken(world.config.stateDir)}` } })).text();
    for (const side of [a, b]) {
      const permission = new RegExp(
        `kugetsu_gitea_requests_total\\{instance="${side.name}",operation="GET /repos/\\{owner\\}/\\{repo\\}/collaborators/\\{collaborator\\}/permission",status="200"\\} ([1-9]\\d*)`,
      );
      expect(metrics).toMatch(permission);
    }
    // Job notifications say which instance the repository is on.
    for (const [side, id] of [
      [a, ra.json.job],
      [b, rb.json.job],
    ] as const) {
      const payload = notificationPayload('queued', 'd', (await world.service.store.get(id!))!);
      expect([payload.job.repository, payload.job.host]).toEqual(['acme/app', side.host]);
    }
    const queue = await api<{ lanes: QueueLane[] }>(world, '/api/queue');
    expect(queue.body.lanes.map((l) => [l.issueKey, l.repo]).sort()).toEqual(
      [
        [`${a.host}/acme/app#1`, `${a.host}/acme/app`],
        [`${b.host}/acme/app#1`, `${b.host}/acme/app`],
      ].sort(),
    );
  });

  it('the repository label of the usage metrics is host/owner/name when the repository carries a host, owner/name otherwise', async () => {
    const store = { counts: async () => ({}), waitingCounts: async () => [], outboxHealth: async () => [], workers: async () => [] } as unknown as ConstructorParameters<
      typeof KugetsuMetrics
    >[0]['store'];
    const metrics = new KugetsuMetrics({ store, logger: memoryLogger().logger });
    metrics.usage({ owner: 'acme', name: 'app', host: 'codeberg.org' }, { inputTokens: 7, outputTokens: 3, costUsd: 0.5 });
    metrics.usage({ owner: 'Acme', name: 'App' }, { inputTokens: 2 });
    const text = (await metrics.scrape(undefined)).body;
    expect(text).toContain('kugetsu_agent_tokens_total{repository="codeberg.org/acme/app",kind="input"} 7');
    expect(text).toContain('kugetsu_agent_tokens_total{repository="acme/app",kind="input"} 2');
    expect(text).toMatch(/\{repository="codeberg\.org\/acme\/app"\} 0\.5/);
  });
});
