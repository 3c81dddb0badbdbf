import { statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { adminTokenFile, ensureAdminToken, readAdminToken } from '../../src/admin/admin-token.js';
import { createAdminApp, type CancelOutcome } from '../../src/admin/create-admin-app.js';
import { createIngressApp } from '../../src/ingress/create-ingress-app.js';
import { signBody } from '../../src/ingress/verify-signature.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import { memoryLogger } from '../support/test-logger.js';
import { tempDir } from './support/cli-kit.js';
import { fillStateDir } from './support/job-db.js';

const TOKEN = 'a'.repeat(64);

function adminApp(outcomes: Record<string, CancelOutcome> = {}) {
  const canceled: string[] = [];
  const app = createAdminApp({
    token: TOKEN,
    cancelJob: (id) => {
      canceled.push(id);
      return outcomes[id] ?? { status: 'unknown' };
    },
    listJobs: async () => [],
  });
  return { app, canceled };
}
const post = (app: { request: (path: string, init?: RequestInit) => Response | Promise<Response> }, p: string, token?: string) =>
  app.request(p, { method: 'POST', headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });

describe('the admin API', () => {
  it('POST /admin/jobs/:id/cancel calls the given cancel function and answers 200, 404 or 409', async () => {
    const { app, canceled } = adminApp({ '3': { status: 'canceled', state: 'running' }, '1': { status: 'finished', state: 'succeeded' } });
    const ok = await post(app, '/admin/jobs/3/cancel', TOKEN);
    expect([ok.status, await ok.json()]).toEqual([200, { status: 'canceled', job: '3', state: 'running' }]);
    const done = await post(app, '/admin/jobs/1/cancel', TOKEN);
    expect([done.status, await done.json()]).toEqual([409, { status: 'finished', job: '1', state: 'succeeded', reason: 'job 1 already succeeded' }]);
    const unknown = await post(app, '/admin/jobs/9/cancel', TOKEN);
    expect([unknown.status, ((await unknown.json()) as { status: string }).status]).toEqual([404, 'unknown']);
    const garbage = await post(app, '/admin/jobs/..%2F1/cancel', TOKEN);
    expect(garbage.status).toBe(404);
    expect(canceled).toEqual(['3', '1', '9']);
  });

  it('answers 401 without the token or with a wrong one, and never calls cancel', async () => {
    const { app, canceled } = adminApp({ '3': { status: 'canceled' } });
    for (const token of [undefined, '', 'b'.repeat(64), `${TOKEN}x`]) {
      const res = await post(app, '/admin/jobs/3/cancel', token);
      expect(res.status).toBe(401);
      expect(((await res.json()) as { reason: string }).reason).toContain('admin token');
    }
    expect((await app.request('/admin/jobs')).status).toBe(401);
    expect(canceled).toEqual([]);
  });

  it('GET /admin/jobs lists job summaries with their scheduler place', async () => {
    const stateDir = tempDir();
    await fillStateDir(stateDir);
    const store = openSqliteStore({ file: path.join(stateDir, 'kugetsu.db') });
    try {
      const app = createAdminApp({ token: TOKEN, cancelJob: () => ({ status: 'unknown' }), listJobs: (n) => store.recent(n), place: (id) => (id === '3' ? 'running' : undefined) });
      const res = await app.request('/admin/jobs?limit=2', { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(res.status).toBe(200);
      const { jobs } = (await res.json()) as { jobs: Array<{ id: string; state: string; place?: string }> };
      expect(jobs.map((j) => [j.id, j.state, j.place])).toEqual([
        ['4', 'queued', undefined],
        ['3', 'running', 'running'],
      ]);
    } finally {
      await store.close();
    }
  });

  it('mounts beside the webhook route of the ingress app (as the lead wires it) without changing it', async () => {
    const ingress = createIngressApp({ secrets: ['s'], allowUnsigned: false, onDelivery: () => ({ status: 'ignored', reason: 'test' }), logger: memoryLogger().logger });
    const { app: admin, canceled } = adminApp({ '5': { status: 'canceled' } });
    ingress.route('/', admin);
    expect((await post(ingress, '/admin/jobs/5/cancel', TOKEN)).status).toBe(200);
    expect((await post(ingress, '/admin/jobs/5/cancel')).status).toBe(401);
    const body = '{"zen":"x"}';
    const hook = await ingress.request('/webhooks/gitea', {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', 'x-gitea-event-type': 'ping', 'x-gitea-signature': signBody(body, 's') },
    });
    expect(hook.status).toBe(200);
    expect((await ingress.request('/nope')).status).toBe(404);
    expect(canceled).toEqual(['5']);
  });
});

describe('ensureAdminToken', () => {
  it('creates a 0600 token once and keeps it across restarts; replaces a malformed one', () => {
    const stateDir = tempDir();
    expect(readAdminToken(stateDir)).toBeUndefined();
    const token = ensureAdminToken(path.join(stateDir));
    expect(token).toMatch(/^[0-9a-f]{64}$/);
    expect(statSync(adminTokenFile(stateDir)).mode & 0o777).toBe(0o600);
    expect(ensureAdminToken(stateDir)).toBe(token);
    expect(readAdminToken(stateDir)).toBe(token);
    writeFileSync(adminTokenFile(stateDir), 'short\n', { mode: 0o644 });
    const replaced = ensureAdminToken(stateDir);
    expect(replaced).not.toBe(token);
    expect(statSync(adminTokenFile(stateDir)).mode & 0o777).toBe(0o600);
  });
});
