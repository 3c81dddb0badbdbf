import { describe, expect, it } from 'vitest';
import { startForge, writeInstancesFile } from './support/forges.js';
import type { DoctorCheck } from '../../src/cli/doctor-check.js';
import { doctorCommand } from '../../src/cli/doctor-command.js';
import { runCli } from '../../src/cli/main.js';
import type { FakeGiteaServer } from '../../src/sandbox/fake-gitea-server.js';
import { closedPort, tempDir, testContext } from '../cli/support/cli-kit.js';

async function forge(token: string, botLogin: string, flavour: 'gitea' | 'forgejo'): Promise<FakeGiteaServer> {
  const server = await startForge(token, botLogin, flavour);
  server.fake.addRepo({ owner: 'acme', name: 'app' });
  return server;
}

async function doctor(env: Record<string, string>) {
  const ctx = testContext(env);
  const code = await doctorCommand({ json: true }, ctx);
  const report = JSON.parse(ctx.output.stdout.join('\n')) as { ok: boolean; checks: DoctorCheck[] };
  return { code, byName: Object.fromEntries(report.checks.map((c) => [c.name, c])) };
}

describe('kugetsu doctor with an instances file', () => {
  it('reports each instance: reachable, its token user, and whether a webhook secret is set', async () => {
    const a = await forge('token-of-a', 'gitea-bot', 'gitea');
    const b = await forge('token-of-b', 'forgejo-bot', 'forgejo');
    const dir = tempDir();
    const file = writeInstancesFile(dir, [
      { name: 'company', url: a.url, tokenEnv: 'COMPANY_TOKEN', secretEnv: 'COMPANY_SECRET' },
      { name: 'codeberg', url: b.url, kind: 'forgejo', tokenEnv: 'CODEBERG_TOKEN' },
    ]);
    const env = {
      KUGETSU_INSTANCES_FILE: file,
      COMPANY_TOKEN: 'token-of-a',
      COMPANY_SECRET: 'secret-a',
      CODEBERG_TOKEN: 'token-of-b',
      KUGETSU_STATE_DIR: dir,
      KUGETSU_REPOS: 'acme/app',
      KUGETSU_AGENT: 'command',
      KUGETSU_AGENT_COMMAND: JSON.stringify(['node', '{promptFile}']),
      PORT: String(await closedPort()),
    };

    const before = await doctor(env);
    expect(before.byName['instance company']).toMatchObject({ status: 'ok', detail: `Gitea 1.25.4 at ${a.url}` });
    expect(before.byName['token company']).toMatchObject({ status: 'ok' });
    expect(before.byName['token company']!.detail).toMatch(/^COMPANY_TOKEN belongs to @gitea-bot/);
    expect(before.byName['webhook secret company']).toMatchObject({ status: 'ok', detail: 'COMPANY_SECRET is set (1 secret)' });
    expect(before.byName['instance codeberg']).toMatchObject({ status: 'ok' });
    expect(before.byName['instance codeberg']!.detail).toMatch(/^Forgejo 11\.0\.3\+gitea-1\.22\.0 at /);
    expect(before.byName['token codeberg']!.detail).toMatch(/^CODEBERG_TOKEN belongs to @forgejo-bot/);
    // codeberg has no secret_env and nothing stored: its deliveries would all be refused.
    expect(before.byName['webhook secret codeberg']).toMatchObject({ status: 'fail' });
    expect(before.byName['webhook secret codeberg']!.fix).toMatch(/--instance codeberg/);
    expect(before.code).toBe(1);
    // The first instance's hooks are checked as before (none installed yet).
    expect(before.byName['hook acme/app']).toMatchObject({ status: 'fail' });

    const install = testContext(env);
    expect(await runCli(['node', 'kugetsu', 'hooks', 'install', 'acme/app', '--url', 'https://k.example.com', '--instance', 'codeberg'], install)).toBe(0);
    expect(await runCli(['node', 'kugetsu', 'hooks', 'install', 'acme/app', '--url', 'https://k.example.com', '--instance', 'company'], testContext(env))).toBe(0);
    const after = await doctor(env);
    expect(after.byName['webhook secret codeberg']).toMatchObject({ status: 'ok', detail: 'no instance-wide secret; per-repository secrets stored for acme/app' });
    expect(after.byName['hook acme/app']).toMatchObject({ status: 'ok' });
  });

  it('an unreachable instance fails its own line and the others are still checked', async () => {
    const a = await forge('token-of-a', 'gitea-bot', 'gitea');
    const dir = tempDir();
    const dead = `http://127.0.0.1:${await closedPort()}`;
    const file = writeInstancesFile(dir, [
      { name: 'gone', url: dead, tokenEnv: 'T' },
      { name: 'company', url: a.url, tokenEnv: 'COMPANY_TOKEN' },
    ]);
    const { code, byName } = await doctor({ KUGETSU_INSTANCES_FILE: file, T: 'x', COMPANY_TOKEN: 'token-of-a', KUGETSU_STATE_DIR: dir, PORT: String(await closedPort()) });
    expect(code).toBe(1);
    expect(byName['instance gone']).toMatchObject({ status: 'fail' });
    expect(byName['instance gone']!.detail).toMatch(/cannot reach/);
    expect(byName['token gone']).toBeUndefined();
    expect(byName['token company']!.detail).toMatch(/@gitea-bot/);
  });

  it("checks hooks on the first instance only of its own repositories: a KUGETSU_REPOS entry of another instance's host is not looked for on the first", async () => {
    const a = await forge('token-of-a', 'gitea-bot', 'gitea');
    const b = await forge('token-of-b', 'forgejo-bot', 'forgejo');
    b.fake.addRepo({ owner: 'acme', name: 'only-b' });
    const dir = tempDir();
    const file = writeInstancesFile(dir, [
      { name: 'company', url: a.url, tokenEnv: 'COMPANY_TOKEN', secretEnv: 'COMPANY_SECRET' },
      { name: 'codeberg', url: b.url, kind: 'forgejo', tokenEnv: 'CODEBERG_TOKEN' },
    ]);
    const { byName } = await doctor({
      KUGETSU_INSTANCES_FILE: file,
      COMPANY_TOKEN: 'token-of-a',
      COMPANY_SECRET: 'secret-a',
      CODEBERG_TOKEN: 'token-of-b',
      KUGETSU_STATE_DIR: dir,
      KUGETSU_REPOS: `acme/app,${new URL(b.url).host}/acme/only-b,${new URL(a.url).host}/acme/web`,
      PORT: String(await closedPort()),
    });
    expect(byName['hook acme/app']).toMatchObject({ status: 'fail' });
    expect(byName['hook acme/web']).toBeDefined();
    expect(byName['hook acme/only-b']).toBeUndefined();
  });
});
