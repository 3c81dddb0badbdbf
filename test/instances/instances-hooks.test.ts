import { describe, expect, it } from 'vitest';
import { companyAndCodeberg, startForge } from './support/forges.js';
import { KUGETSU_HOOK_EVENTS } from '../../src/admin/hook-spec.js';
import { storedSecretsFor } from '../../src/admin/stored-secrets.js';
import { runCli } from '../../src/cli/main.js';
import { expandHookEvents } from '../../src/sandbox/fake-gitea-hook-events.js';
import type { FakeGiteaServer } from '../../src/sandbox/fake-gitea-server.js';
import { loadConfig } from '../../src/config/load-config.js';
import { openStore } from '../../src/open-store.js';
import { createService } from '../../src/service.js';
import { onCleanup, serveApp, tempDir, testContext } from '../cli/support/cli-kit.js';
import { memoryLogger } from '../support/test-logger.js';

/** The Authorization header of every request each fake received, by its URL. */
const auth = new Map<string, string[]>();
async function forge(token: string, botLogin: string, flavour: 'gitea' | 'forgejo'): Promise<FakeGiteaServer> {
  const seen: string[] = [];
  const server = await startForge(token, botLogin, flavour, {
    rewrite: async (request) => {
      seen.push(request.headers.get('authorization') ?? '');
      return request;
    },
  });
  auth.set(server.url, seen);
  server.fake.addRepo({ owner: 'acme', name: 'app' });
  return server;
}

/** A Gitea fake (`company`, first) and a Forgejo fake (`codeberg`) in an instances file. */
async function twoInstances() {
  const a = await forge('token-of-a', 'gitea-bot', 'gitea');
  const b = await forge('token-of-b', 'forgejo-bot', 'forgejo');
  const dir = tempDir();
  return { a, b, dir, env: companyAndCodeberg(a, b, dir), hostB: new URL(b.url).host };
}

/** A running kugetsu (`createService`, SQLite in `dir`) over `env`, stopped after the test; returns its URL. */
async function runningKugetsu(env: Record<string, string>, dir: string): Promise<string> {
  const config = loadConfig({ ...env, KUGETSU_AGENT: 'command', KUGETSU_AGENT_COMMAND: JSON.stringify(['true']), KUGETSU_RECONCILE_INTERVAL_S: '0', PATH: process.env.PATH }, dir);
  const service = createService(config, { store: await openStore(config), logger: memoryLogger().logger });
  await service.start();
  onCleanup(() => service.stop(5_000));
  return serveApp(service.app);
}

const run = async (env: Record<string, string>, ...args: string[]) => {
  const ctx = testContext(env);
  const code = await runCli(['node', 'kugetsu', ...args], ctx);
  return { code, out: ctx.output.stdout.join('\n'), err: ctx.output.stderr.join('\n') };
};

describe('kugetsu hooks install|list|test --instance', () => {
  it('installs a gitea-type hook on the Gitea instance and a forgejo-type hook on the Forgejo one, each with its own token, URL path and stored secret', async () => {
    const { a, b, dir, env, hostB } = await twoInstances();
    a.fake.takeCalls();
    b.fake.takeCalls();

    const first = await run(env, 'hooks', 'install', 'acme/app', '--url', 'https://kugetsu.example.com', '--instance', 'company');
    expect(first).toMatchObject({ code: 0 });
    expect(first.out).toMatch(/^✓ created hook \d+ on acme\/app \(instance company\)$/m);
    const second = await run(env, 'hooks', 'install', 'acme/app', '--url', 'https://kugetsu.example.com', '--instance', 'codeberg');
    expect(second).toMatchObject({ code: 0 });

    const [hookA] = a.fake.repo('acme/app').hooks;
    const [hookB] = b.fake.repo('acme/app').hooks;
    expect(a.fake.repo('acme/app').hooks).toHaveLength(1);
    expect(b.fake.repo('acme/app').hooks).toHaveLength(1);
    expect(hookA).toMatchObject({
      type: 'gitea',
      url: 'https://kugetsu.example.com/webhooks/company',
      contentType: 'json',
      active: true,
      events: expandHookEvents(KUGETSU_HOOK_EVENTS),
    });
    expect(hookB).toMatchObject({
      type: 'forgejo',
      url: 'https://kugetsu.example.com/webhooks/codeberg',
      contentType: 'json',
      active: true,
      events: expandHookEvents(KUGETSU_HOOK_EVENTS),
    });
    // The first instance's secrets are stored as always; another's under @<host>/, where `kugetsu serve` reads them.
    expect(storedSecretsFor(dir, 'acme/app')).toEqual([hookA!.secret]);
    expect(storedSecretsFor(dir, `@${hostB}/acme/app`)).toEqual([hookB!.secret]);
    expect(hookA!.secret).not.toBe(hookB!.secret);

    // Each instance saw only its own token.
    expect(a.fake.takeCalls().every((c) => c.path.startsWith('/repos/acme/app/hooks'))).toBe(true);
    expect(b.fake.takeCalls().every((c) => c.path.startsWith('/repos/acme/app/hooks'))).toBe(true);
    expect(new Set(auth.get(a.url))).toEqual(new Set(['Bearer token-of-a']));
    expect(new Set(auth.get(b.url))).toEqual(new Set(['Bearer token-of-b']));

    // Running it again on the Forgejo instance keeps the forgejo hook (its type is right there).
    const again = await run(env, 'hooks', 'install', 'acme/app', '--url', 'https://kugetsu.example.com', '--instance', 'codeberg');
    expect(again.out).toMatch(/is already right; nothing changed/);
    expect(b.fake.repo('acme/app').hooks).toEqual([hookB]);
  });

  it("hooks list --instance shows the instance's hooks as kugetsu's and right, with its stored secret", async () => {
    const { env } = await twoInstances();
    await run(env, 'hooks', 'install', 'acme/app', '--url', 'https://kugetsu.example.com', '--instance', 'codeberg');
    const listed = await run(env, 'hooks', 'list', 'acme/app', '--instance', 'codeberg', '--json');
    expect(listed.code).toBe(0);
    const json = JSON.parse(listed.out);
    expect(json).toMatchObject({
      target: 'acme/app',
      secretStored: true,
      hooks: [{ type: 'forgejo', url: 'https://kugetsu.example.com/webhooks/codeberg', kugetsu: true, problems: [] }],
    });
    const onA = JSON.parse((await run(env, 'hooks', 'list', 'acme/app', '--instance', 'company', '--json')).out);
    expect(onA).toMatchObject({ secretStored: false, hooks: [] });
  });

  it("hooks test --instance: a running kugetsu accepts the ping signed with that instance's stored secret on /webhooks/<name>, and refuses another instance's secret there", async () => {
    const { dir, env, hostB } = await twoInstances();
    await run(env, 'hooks', 'install', 'acme/app', '--url', 'https://kugetsu.example.com', '--instance', 'codeberg');
    const url = await runningKugetsu(env, dir);

    expect(storedSecretsFor(dir, `@${hostB}/acme/app`)).toHaveLength(1);
    const tested = await run(env, 'hooks', 'test', 'acme/app', '--instance', 'codeberg', '--url', url, '--json');
    expect(tested.code).toBe(0);
    expect(JSON.parse(tested.out)).toMatchObject({ status: 200, secretSource: 'stored' });
    // A repository without a stored secret: each path accepts its own instance's secret (secret_env)…
    expect((await run(env, 'hooks', 'test', 'acme/other', '--instance', 'company', '--url', url)).code).toBe(0);
    expect((await run(env, 'hooks', 'test', 'acme/other', '--instance', 'codeberg', '--url', url)).code).toBe(0);
    // …and the codeberg path refuses the company's secret.
    const forged = await run({ ...env, CODEBERG_SECRET: 'secret-a' }, 'hooks', 'test', 'acme/other', '--instance', 'codeberg', '--url', url, '--json');
    expect(forged.code).toBe(1);
    expect(JSON.parse(forged.out)).toMatchObject({ status: 401 });
  });

  it("hooks remove --instance deletes the hook on that instance only, with its token, and forgets that instance's stored secret", async () => {
    const { a, b, dir, env, hostB } = await twoInstances();
    await run(env, 'hooks', 'install', 'acme/app', '--url', 'https://kugetsu.example.com', '--instance', 'company');
    await run(env, 'hooks', 'install', 'acme/app', '--url', 'https://kugetsu.example.com', '--instance', 'codeberg');
    const [hookA] = a.fake.repo('acme/app').hooks;
    const [hookB] = b.fake.repo('acme/app').hooks;
    auth.get(a.url)!.length = 0;
    auth.get(b.url)!.length = 0;

    // A bare origin means that instance's path, as for install.
    const removed = await run(env, 'hooks', 'remove', 'acme/app', '--url', 'https://kugetsu.example.com', '--instance', 'codeberg', '--json');
    expect(removed.code).toBe(0);
    expect(JSON.parse(removed.out)).toEqual({ target: 'acme/app', deleted: [hookB!.id], secretRemoved: true });
    expect(b.fake.repo('acme/app').hooks).toEqual([]);
    expect(storedSecretsFor(dir, `@${hostB}/acme/app`)).toEqual([]);
    // The company instance was not called, and keeps its hook and secret.
    expect(auth.get(a.url)).toEqual([]);
    expect(new Set(auth.get(b.url))).toEqual(new Set(['Bearer token-of-b']));
    expect(a.fake.repo('acme/app').hooks).toEqual([hookA]);
    expect(storedSecretsFor(dir, 'acme/app')).toEqual([hookA!.secret]);

    // Nothing left there: a clear error naming the instance and how to look.
    const again = await run(env, 'hooks', 'remove', 'acme/app', '--url', 'https://kugetsu.example.com', '--instance', 'codeberg');
    expect(again.code).toBe(1);
    expect(again.err).toContain('acme/app (instance codeberg) has no hook posting to https://kugetsu.example.com/webhooks/codeberg');
    expect(again.err).toContain('kugetsu hooks list acme/app --instance codeberg');

    const company = await run(env, 'hooks', 'remove', 'acme/app', '--url', 'https://kugetsu.example.com/webhooks/company', '--instance', 'company');
    expect(company.code).toBe(0);
    expect(a.fake.repo('acme/app').hooks).toEqual([]);
    expect(storedSecretsFor(dir, 'acme/app')).toEqual([]);
  });

  it("hooks secret --instance stores the secret where kugetsu serve reads that instance's (secrets/@<host>/ after the first), and a running kugetsu accepts it on /webhooks/<name>", async () => {
    const { dir, env, hostB } = await twoInstances();
    const made = await run(env, 'hooks', 'secret', 'acme/app', '--instance', 'codeberg', '--json');
    expect(made.code).toBe(0);
    const json = JSON.parse(made.out) as { target: string; instance: string; secret: string; created: boolean };
    expect(json).toMatchObject({ target: 'acme/app', instance: 'codeberg', created: true });
    expect(storedSecretsFor(dir, `@${hostB}/acme/app`)).toEqual([json.secret]);
    expect(storedSecretsFor(dir, 'acme/app')).toEqual([]);
    // Asked again it is the same secret; the first instance's is its own.
    expect(JSON.parse((await run(env, 'hooks', 'secret', 'acme/app', '--instance', 'codeberg', '--json')).out)).toMatchObject({ secret: json.secret, created: false });
    const first = JSON.parse((await run(env, 'hooks', 'secret', 'acme/app', '--instance', 'company', '--json')).out) as { secret: string };
    expect(storedSecretsFor(dir, 'acme/app')).toEqual([first.secret]);
    expect(first.secret).not.toBe(json.secret);
    const text = await run(env, 'hooks', 'secret', 'acme/app', '--instance', 'codeberg');
    expect(text.out).toBe(json.secret);
    expect(text.err).toContain("acme/app (instance codeberg)'s kugetsu webhook in Forgejo");

    const url = await runningKugetsu(env, dir);
    const tested = await run(env, 'hooks', 'test', 'acme/app', '--instance', 'codeberg', '--url', url, '--json');
    expect(JSON.parse(tested.out)).toMatchObject({ status: 200, secretSource: 'stored' });
  });

  it('an unknown --instance is a clear error naming the configured ones', async () => {
    const { env } = await twoInstances();
    const r = await run(env, 'hooks', 'install', 'acme/app', '--url', 'https://kugetsu.example.com', '--instance', 'nowhere');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/no instance called "nowhere"[\s\S]*company, codeberg/);
  });

  it("a refused token is blamed on the instance's token_env variable, not on GITEA_TOKEN", async () => {
    const { env } = await twoInstances();
    const refused = await run({ ...env, CODEBERG_TOKEN: 'not-the-token' }, 'hooks', 'install', 'acme/app', '--url', 'https://kugetsu.example.com', '--instance', 'codeberg');
    expect(refused.code).toBe(1);
    expect(refused.err).toContain("→ the token in the instance's token_env variable is not accepted");
    expect(refused.err).not.toContain('GITEA_TOKEN');
  });
});
