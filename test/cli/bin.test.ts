/**
 * The `kugetsu` command as users run it: `node bin/kugetsu.js …` in a child process (loads
 * `dist/`: `npm test` runs `npm run build` first), with real exit codes, stdout and stderr.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { KUGETSU_HOOK_EVENTS } from '../../src/admin/hook-spec.js';
import { storedSecretsFor } from '../../src/admin/stored-secrets.js';
import { expandHookEvents } from '../../src/sandbox/fake-gitea-hook-events.js';
import { startFakeGiteaServer } from '../../src/sandbox/fake-gitea-server.js';
import { closedPort, onCleanup, tempDir } from './support/cli-kit.js';
import { fillStateDir } from './support/job-db.js';

const BIN = fileURLToPath(new URL('../../bin/kugetsu.js', import.meta.url));

function kugetsu(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { PATH: process.env['PATH'] ?? '', ...env }, timeout: 20_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

describe('node bin/kugetsu.js', () => {
  it('serve refuses to start with every bad setting listed, or with an unusable state dir, exit 1 and no stack trace', async () => {
    const missing = await kugetsu(['serve'], {});
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('kugetsu cannot start; fix these settings:');
    expect(missing.stderr).toContain('GITEA_URL must be the base URL of your Gitea');
    expect(missing.stderr).toContain('GITEA_TOKEN is required');
    expect(missing.stderr).toContain('KUGETSU_WEBHOOK_SECRET is required');
    const badState = await kugetsu(['serve'], { GITEA_URL: 'http://127.0.0.1:9', GITEA_TOKEN: 'tokentoken', KUGETSU_WEBHOOK_SECRET: 's', KUGETSU_STATE_DIR: '/dev/null/state' });
    expect(badState.code).toBe(1);
    expect(badState.stderr).toContain('kugetsu cannot start: ENOTDIR');
    expect(badState.stderr).toContain('check KUGETSU_STATE_DIR (/dev/null/state)');
    expect(badState.stderr).not.toContain('    at ');
  });

  it('hooks install twice against the fake Gitea server leaves exactly one correct hook and a stored secret', async () => {
    const gitea = await startFakeGiteaServer();
    onCleanup(() => gitea.close());
    gitea.fake.addRepo({ owner: 'acme', name: 'app' });
    const env = { GITEA_URL: gitea.url, GITEA_TOKEN: gitea.fake.token, KUGETSU_STATE_DIR: tempDir() };
    const url = 'https://kugetsu.example.com/webhooks/gitea';

    const first = await kugetsu(['hooks', 'install', 'acme/app', '--url', url], env);
    expect(first).toMatchObject({ code: 0, stderr: '' });
    expect(first.stdout).toMatch(/^✓ created hook \d+ on acme\/app\n/);
    const second = await kugetsu(['hooks', 'install', 'acme/app', '--url', url, '--json'], env);
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ action: 'kept', deleted: [] });

    const hooks = gitea.fake.repo('acme/app').hooks;
    expect(hooks).toHaveLength(1);
    expect(hooks[0]).toMatchObject({ url, type: 'gitea', contentType: 'json', active: true, branchFilter: '*', events: expandHookEvents(KUGETSU_HOOK_EVENTS) });
    expect(storedSecretsFor(env.KUGETSU_STATE_DIR, 'acme/app')).toEqual([hooks[0]!.secret]);
  });

  it('jobs list --json reads the database; jobs show of an unknown id exits 1 with what to do', async () => {
    const stateDir = tempDir();
    await fillStateDir(stateDir);
    const list = await kugetsu(['jobs', 'list', '--json', '--limit', '2'], { KUGETSU_STATE_DIR: stateDir });
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout).jobs.map((j: { id: string }) => j.id)).toEqual(['4', '3']);
    const show = await kugetsu(['jobs', 'show', '99'], { KUGETSU_STATE_DIR: stateDir });
    expect(show).toEqual({ code: 1, stdout: '', stderr: 'kugetsu: no job 99\n  → list the jobs with: kugetsu jobs list\n' });
  });

  it('replay with nothing listening exits 2; usage errors exit 1; --help shows examples and exits 0', async () => {
    const port = await closedPort();
    const replay = await kugetsu(['replay', 'fixtures/gitea/goplayground__issue-comment-event.json', '--url', `http://127.0.0.1:${port}`], { KUGETSU_WEBHOOK_SECRET: 's' });
    expect(replay.code).toBe(2);
    expect(replay.stderr).toContain('ECONNREFUSED');
    const usage = await kugetsu(['hooks', 'install', 'acme/app'], {});
    expect(usage.code).toBe(1);
    expect(usage.stderr).toContain("error: required option '--url <url>' not specified");
    const help = await kugetsu(['hooks', 'install', '--help'], {});
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Examples:\n  $ kugetsu hooks install acme/app --url https://kugetsu.example.com/webhooks/gitea');
  });
});
