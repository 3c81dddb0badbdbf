import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureAdminToken } from '../../src/admin/admin-token.js';
import { createAdminApp } from '../../src/admin/create-admin-app.js';
import { runAction } from '../../src/cli/context.js';
import { jobsCancelCommand } from '../../src/cli/jobs-cancel-command.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import { closedPort, serveApp, tempDir, testContext } from './support/cli-kit.js';
import { fillStateDir } from './support/job-db.js';

async function world() {
  const stateDir = tempDir();
  await fillStateDir(stateDir);
  return { stateDir, ctx: () => testContext({ KUGETSU_STATE_DIR: stateDir }) };
}

describe('kugetsu jobs cancel', () => {
  it("asks the running server's admin API with the token from the state dir; the server's cancel function runs", async () => {
    const { stateDir, ctx } = await world();
    const canceled: string[] = [];
    const url = await serveApp(
      createAdminApp({ token: ensureAdminToken(stateDir), cancelJob: (id) => (canceled.push(id), { status: 'canceled', state: 'running' }), listJobs: async () => [] }),
    );
    const c = ctx();
    expect(await jobsCancelCommand('3', { url }, c)).toBe(0);
    expect(c.output.stdout).toEqual(['✓ job 3 canceled (its agent is being stopped; the worktree is kept)']);
    expect(canceled).toEqual(['3']);
  });

  it('exits 1 when the server says the job is finished or unknown, and says which token is wrong on 401', async () => {
    const { stateDir, ctx } = await world();
    const url = await serveApp(
      createAdminApp({ token: 'f'.repeat(64), cancelJob: (id) => (id === '1' ? { status: 'finished', state: 'succeeded' } : { status: 'unknown' }), listJobs: async () => [] }),
    );
    ensureAdminToken(stateDir); // another token than the server's
    const wrong = ctx();
    expect(await runAction(wrong, 'jobs cancel', () => jobsCancelCommand('1', { url }, wrong))).toBe(1);
    expect(wrong.output.stderr[0]).toContain(`→ the admin token in ${stateDir}/admin-token is not the server's`);

    const right = testContext({ KUGETSU_STATE_DIR: tempDir() });
    writeFileSync(path.join(right.env['KUGETSU_STATE_DIR']!, 'admin-token'), 'f'.repeat(64));
    expect(await runAction(right, 'jobs cancel', () => jobsCancelCommand('1', { url }, right))).toBe(1);
    expect(right.output.stderr[0]).toBe('kugetsu: cannot cancel job 1: job 1 already succeeded\n  → nothing to do');
    const json = testContext({ KUGETSU_STATE_DIR: right.env['KUGETSU_STATE_DIR']! });
    expect(await jobsCancelCommand('8', { url, json: true }, json)).toBe(1);
    expect(JSON.parse(json.output.stdout.join('\n'))).toEqual({ status: 'unknown', job: '8', reason: 'no job 8', httpStatus: 404, via: 'server' });
  });

  it('without a server, cancels a queued job in the database (status comment queued in the outbox) and refuses a running one with exit 2', async () => {
    const { stateDir, ctx } = await world();
    const url = `http://127.0.0.1:${await closedPort()}`;
    const queued = ctx();
    expect(await jobsCancelCommand('4', { url }, queued)).toBe(0);
    expect(queued.output.stdout[0]).toBe(`✓ job 4 canceled in the database (kugetsu is not running at ${url}; its status comment is updated when kugetsu starts)`);

    const running = ctx();
    expect(await runAction(running, 'jobs cancel', () => jobsCancelCommand('3', { url }, running))).toBe(2);
    expect(running.output.stderr[0]).toBe(
      `kugetsu: kugetsu is not running at ${url}, and job 3 was running when it stopped\n  → start kugetsu (it re-queues the job) and run kugetsu jobs cancel 3 again`,
    );
    const finished = ctx();
    expect(await runAction(finished, 'jobs cancel', () => jobsCancelCommand('1', { url }, finished))).toBe(1);

    const store = openSqliteStore({ file: path.join(stateDir, 'kugetsu.db') });
    try {
      expect(await store.get('4')).toMatchObject({ state: 'canceled', note: 'Canceled with `kugetsu jobs cancel` before it started.' });
      expect((await store.history('4')).at(-1)).toMatchObject({ state: 'canceled', detail: 'canceled while queued' });
      expect(await store.outboxIsOpen('status:4')).toBe(true);
      expect((await store.get('3'))!.state).toBe('running');
    } finally {
      await store.close();
    }
  });
});
