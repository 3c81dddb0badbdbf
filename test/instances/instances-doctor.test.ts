import { describe, expect, it } from 'vitest';
import { companyAndCodeberg, startForge, writeInstancesFile } from './support/forges.js';
import type { DoctorCheck } from '../../src/cli/doctor-check.js';
import { doctorCommand } from '../../src/cli/doctor-command.js';
import { runCli } from '../../src/cli/main.js';
import { loadConfig } from '../../src/config/load-config.js';
import { openStore } from '../../src/open-store.js';
import type { FakeGiteaServer } from '../../src/sandbox/fake-gitea-server.js';
import { closedPort, tempDir, testContext } from '../cli/support/cli-kit.js';

async function forge(token: string, botLogin: string, flavour: 'gitea' | 'forgejo'): Promise<FakeGiteaServer> {
  const server = await startForge(token, botLogin, flavour);
  server.fake.addRepo({ owner: 'acme', name: 'app' });
  return server;
}

async function doctor(env: Record<string, string>) {
  return doctorWith(env, undefined);
}

async function doctorWith(env: Record<string, string>, url: string | undefined) {
  const ctx = testContext(env);
  const code = await doctorCommand({ json: true, ...(url === undefined ? {} : { url }) }, ctx);
  const report = JSON.parse(ctx.output.stdout.join('\n')) as { ok: boolean; checks: DoctorCheck[] };
  return { code, byName: Object.fromEntries(report.checks.map((c) => [c.name, c])) };
}

describe('kugetsu doctor with an instances file', () => {
  it('reports each instance: reachable, its token user, and whether a webhook secret is set', async () => {
    const a = await forge('token-of-a', 'gitea-bot', 'gitea');
    const b = await forge('token-of-b', 'forgejo-bot', 'forgejo');
    const dir = tempDir();
    const env = {
      ...companyAndCodeberg(a, b, dir, { codebergSecret: false }),
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
    // The first instance's hooks are checked, named with their instance (none installed yet).
    expect(before.byName['hook acme/app (company)']).toMatchObject({ status: 'fail' });

    const install = testContext(env);
    expect(await runCli(['node', 'kugetsu', 'hooks', 'install', 'acme/app', '--url', 'https://k.example.com', '--instance', 'codeberg'], install)).toBe(0);
    expect(await runCli(['node', 'kugetsu', 'hooks', 'install', 'acme/app', '--url', 'https://k.example.com', '--instance', 'company'], testContext(env))).toBe(0);
    const after = await doctor(env);
    expect(after.byName['webhook secret codeberg']).toMatchObject({ status: 'ok', detail: 'no instance-wide secret; per-repository secrets stored for acme/app' });
    expect(after.byName['hook acme/app (company)']).toMatchObject({ status: 'ok' });
    expect(after.byName['hook acme/app (codeberg)']).toMatchObject({ status: 'ok' });
    expect(after.byName['hook acme/app (codeberg)']!.detail).toMatch(/→ https:\/\/k\.example\.com\/webhooks\/codeberg \(active, json, \d+ events\)$/);
  });

  it("checks kugetsu's hook on every instance with that instance's token and hook type: present on one, missing or wrong on the other, each line naming its instance", async () => {
    const seen = new Map<string, string[]>();
    const watched = async (token: string, login: string, flavour: 'gitea' | 'forgejo') => {
      const calls: string[] = [];
      const server = await startForge(token, login, flavour, {
        rewrite: async (request) => {
          calls.push(`${request.headers.get('authorization')} ${new URL(request.url).pathname}`);
          return request;
        },
      });
      seen.set(server.url, calls);
      server.fake.addRepo({ owner: 'acme', name: 'app' });
      server.fake.addRepo({ owner: 'acme', name: 'web' });
      return server;
    };
    const a = await watched('token-of-a', 'gitea-bot', 'gitea');
    const b = await watched('token-of-b', 'forgejo-bot', 'forgejo');
    const dir = tempDir();
    const env = {
      ...companyAndCodeberg(a, b, dir, { codebergSecret: false }),
      KUGETSU_REPOS: 'acme/app',
      PORT: String(await closedPort()),
    };
    const cli = (...args: string[]) => runCli(['node', 'kugetsu', ...args], testContext(env));
    // acme/app: kugetsu's hook on the Forgejo instance only (KUGETSU_REPOS names it for the first).
    expect(await cli('hooks', 'install', 'acme/app', '--url', 'https://k.example.com', '--instance', 'codeberg')).toBe(0);
    // acme/web on Forgejo: a secret for a hand-made hook, but no hook yet.
    expect(await cli('hooks', 'secret', 'acme/web', '--instance', 'codeberg')).toBe(0);
    for (const calls of seen.values()) calls.length = 0;

    const { code, byName } = await doctor(env);
    expect(code).toBe(1);
    expect(byName['hook acme/app (company)']).toMatchObject({ status: 'fail', detail: 'no hook posts to a /webhooks/gitea or /webhooks/company URL' });
    expect(byName['hook acme/app (company)']!.fix).toBe('kugetsu hooks install acme/app --url <public url> --instance company');
    expect(byName['hook acme/app (codeberg)']).toMatchObject({ status: 'ok' });
    expect(byName['hook acme/web (codeberg)']).toMatchObject({ status: 'fail', detail: 'no hook posts to a /webhooks/codeberg URL' });
    expect(byName['hook acme/web (codeberg)']!.fix).toContain('--instance codeberg');
    // acme/web is known on the Forgejo instance only.
    expect(byName['hook acme/web (company)']).toBeUndefined();
    expect(byName['token scopes company']).toMatchObject({ status: 'ok' });
    expect(byName['token scopes codeberg']).toMatchObject({ status: 'ok' });
    // Each instance was asked with its own token (GET /version is asked without one), and about its own repositories only.
    const signed = (calls: string[]) => calls.filter((c) => !c.startsWith('null '));
    expect(signed(seen.get(a.url)!).every((c) => /^(Bearer|token) token-of-a /.test(c))).toBe(true);
    expect(signed(seen.get(b.url)!).every((c) => /^(Bearer|token) token-of-b /.test(c))).toBe(true);
    expect(seen.get(a.url)).toContain('Bearer token-of-a /api/v1/repos/acme/app/hooks');
    expect(seen.get(a.url)).not.toContain('Bearer token-of-a /api/v1/repos/acme/web/hooks');
    expect(seen.get(b.url)).toContain('Bearer token-of-b /api/v1/repos/acme/web/hooks');

    // A gitea-type hook on the Forgejo instance is kugetsu's path but the wrong type there.
    b.fake.repo('acme/web').hooks.push({ ...b.fake.repo('acme/app').hooks[0]!, id: 999, type: 'gitea' });
    const wrong = await doctor(env);
    expect(wrong.byName['hook acme/web (codeberg)']).toMatchObject({ status: 'fail' });
    expect(wrong.byName['hook acme/web (codeberg)']!.detail).toContain('type is "gitea", not "forgejo"');

    // --url with a bare origin: each instance's own path on that origin.
    const other = await doctorWith(env, 'https://elsewhere.example.com');
    expect(other.byName['hook acme/app (codeberg)']).toMatchObject({ status: 'fail', detail: 'no hook posts to https://elsewhere.example.com/webhooks/codeberg' });
    const same = await doctorWith(env, 'https://k.example.com');
    expect(same.byName['hook acme/app (codeberg)']).toMatchObject({ status: 'ok' });
    expect(same.byName['hook acme/app (company)']).toMatchObject({ status: 'fail' });
  });

  it("a repository kugetsu's database knows on the Forgejo instance is checked there, not on the first instance", async () => {
    const a = await forge('token-of-a', 'gitea-bot', 'gitea');
    const b = await forge('token-of-b', 'forgejo-bot', 'forgejo');
    b.fake.addRepo({ owner: 'team', name: 'site' });
    const dir = tempDir();
    const env = {
      ...companyAndCodeberg(a, b, dir),
      PORT: String(await closedPort()),
    };
    // The database as `kugetsu serve` leaves it after a delivery from each instance.
    const config = loadConfig({ ...env, KUGETSU_AGENT: 'command', KUGETSU_AGENT_COMMAND: JSON.stringify(['true']) }, dir);
    const store = await openStore(config);
    const host = new URL(b.url).host;
    await store.rememberRepo({
      owner: 'team',
      name: 'site',
      fullName: 'team/site',
      cloneUrl: `${b.url}/team/site.git`,
      defaultBranch: 'main',
      htmlUrl: `${b.url}/team/site`,
      instance: 'codeberg',
      host,
    });
    await store.rememberRepo({ owner: 'acme', name: 'app', fullName: 'acme/app', cloneUrl: `${a.url}/acme/app.git`, defaultBranch: 'main', htmlUrl: `${a.url}/acme/app` });
    await store.close();

    const { byName } = await doctor(env);
    expect(byName['hook team/site (codeberg)']).toMatchObject({ status: 'fail', detail: 'no hook posts to a /webhooks/codeberg URL' });
    expect(byName['hook team/site (company)']).toBeUndefined();
    expect(byName['hook acme/app (company)']).toMatchObject({ status: 'fail' });
    expect(byName['hook acme/app (codeberg)']).toBeUndefined();
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

  it("a KUGETSU_REPOS entry naming another instance's host is checked on that instance, not on the first; unqualified entries on the first only", async () => {
    const a = await forge('token-of-a', 'gitea-bot', 'gitea');
    const b = await forge('token-of-b', 'forgejo-bot', 'forgejo');
    b.fake.addRepo({ owner: 'acme', name: 'only-b' });
    const dir = tempDir();
    const { byName } = await doctor({
      ...companyAndCodeberg(a, b, dir, { codebergSecret: false }),
      KUGETSU_REPOS: `acme/app,${new URL(b.url).host}/acme/only-b,${new URL(a.url).host}/acme/web`,
      PORT: String(await closedPort()),
    });
    expect(byName['hook acme/app (company)']).toMatchObject({ status: 'fail' });
    expect(byName['hook acme/web (company)']).toBeDefined();
    expect(byName['hook acme/only-b (company)']).toBeUndefined();
    // The qualified entry is checked on its own instance, with its token.
    expect(byName['hook acme/only-b (codeberg)']).toMatchObject({ status: 'fail', detail: 'no hook posts to a /webhooks/codeberg URL' });
    expect(byName['hook acme/app (codeberg)']).toBeUndefined();
  });
});
