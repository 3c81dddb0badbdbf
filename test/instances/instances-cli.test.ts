import { describe, expect, it } from 'vitest';
import { startForge, writeInstancesFile } from './support/forges.js';
import { runCli } from '../../src/cli/main.js';
import { closedPort, tempDir, testContext } from '../cli/support/cli-kit.js';

/** Two fakes (a Gitea and a Forgejo) and an instance on a port nothing listens on, in an instances file. */
async function threeInstances() {
  const a = await startForge('token-of-a', 'gitea-bot', 'gitea');
  const b = await startForge('token-of-b', 'forgejo-bot', 'forgejo');
  const dead = `http://127.0.0.1:${await closedPort()}`;
  const dir = tempDir();
  const file = writeInstancesFile(dir, [
    { name: 'company', url: a.url, kind: 'gitea', tokenEnv: 'COMPANY_TOKEN' },
    { name: 'codeberg', url: b.url, kind: 'forgejo', tokenEnv: 'CODEBERG_TOKEN' },
    { name: 'gone', url: dead, tokenEnv: 'GONE_TOKEN' },
  ]);
  const env = { KUGETSU_INSTANCES_FILE: file, COMPANY_TOKEN: 'token-of-a', CODEBERG_TOKEN: 'token-of-b', GONE_TOKEN: 'whatever', KUGETSU_STATE_DIR: dir };
  return { a, b, dead, env };
}

describe('kugetsu instances list', () => {
  it('shows each instance with its kind, reachability and token user (--json), and exits 1 for the unreachable one', async () => {
    const { a, b, dead, env } = await threeInstances();
    const ctx = testContext(env);
    expect(await runCli(['node', 'kugetsu', 'instances', 'list', '--json'], ctx)).toBe(1);
    const out = JSON.parse(ctx.output.stdout.join('\n'));
    expect(out.ok).toBe(false);
    expect(out.instances).toMatchObject([
      { name: 'company', url: a.url, kind: 'gitea', reachable: true, user: 'gitea-bot' },
      { name: 'codeberg', url: b.url, kind: 'forgejo', reachable: true, user: 'forgejo-bot' },
      { name: 'gone', url: dead, kind: 'gitea', reachable: false },
    ]);
    expect(out.instances[1].version).toMatch(/gitea/);
    expect(out.instances[2].error).toMatch(/cannot reach/);
    expect(out.instances[2].user).toBeUndefined();
  });

  it('prints one line per instance, and a refused token is reported', async () => {
    const { env } = await threeInstances();
    const ctx = testContext({ ...env, CODEBERG_TOKEN: 'wrong' });
    expect(await runCli(['node', 'kugetsu', 'instances', 'list'], ctx)).toBe(1);
    const text = ctx.output.stdout.join('\n');
    expect(text).toMatch(/^company {2}http:\/\/127\.0\.0\.1:\d+ {2}gitea {2}✓ .*token of @gitea-bot$/m);
    expect(text).toMatch(/^codeberg .* forgejo {2}✗ token refused$/m);
    expect(text).toMatch(/CODEBERG_TOKEN.*refused/);
    expect(text).toMatch(/^gone .* ✗ unreachable$/m);
  });

  it('says which instances the dashboard offers sign-in with (an OAuth2 application and KUGETSU_PUBLIC_URL), as serve decides it', async () => {
    const a = await startForge('token-of-a', 'gitea-bot', 'gitea');
    const b = await startForge('token-of-b', 'forgejo-bot', 'forgejo');
    const dir = tempDir();
    const file = writeInstancesFile(dir, [
      { name: 'company', url: a.url, kind: 'gitea', tokenEnv: 'COMPANY_TOKEN' },
      { name: 'codeberg', url: b.url, kind: 'forgejo', tokenEnv: 'CODEBERG_TOKEN', oauthClientIdEnv: 'CB_ID', oauthClientSecretEnv: 'CB_SECRET' },
    ]);
    const env = { KUGETSU_INSTANCES_FILE: file, COMPANY_TOKEN: 'token-of-a', CODEBERG_TOKEN: 'token-of-b', CB_ID: 'id', CB_SECRET: 'secret', KUGETSU_STATE_DIR: dir };
    const withUrl = testContext({ ...env, KUGETSU_PUBLIC_URL: 'https://kugetsu.example.org' });
    expect(await runCli(['node', 'kugetsu', 'instances', 'list', '--json'], withUrl)).toBe(0);
    expect(JSON.parse(withUrl.output.stdout.join('\n')).instances).toMatchObject([
      { name: 'company', signIn: false },
      { name: 'codeberg', signIn: true },
    ]);
    const text = testContext({ ...env, KUGETSU_PUBLIC_URL: 'https://kugetsu.example.org', KUGETSU_OAUTH_CLIENT_ID: 'a', KUGETSU_OAUTH_CLIENT_SECRET: 'b' });
    expect(await runCli(['node', 'kugetsu', 'instances', 'list'], text)).toBe(0);
    expect(text.output.stdout.join('\n')).toMatch(/^company .*token of @gitea-bot · dashboard sign-in$/m);
    expect(text.output.stdout.join('\n')).toMatch(/^codeberg .*token of @forgejo-bot · dashboard sign-in$/m);
    // Without the public URL nobody can sign in, whatever the applications.
    const without = testContext(env);
    expect(await runCli(['node', 'kugetsu', 'instances', 'list', '--json'], without)).toBe(0);
    expect(JSON.parse(without.output.stdout.join('\n')).instances.map((i: { signIn: boolean }) => i.signIn)).toEqual([false, false]);
  });

  it('without an instances file lists the one instance of GITEA_URL, named gitea', async () => {
    const a = await startForge('token-of-a', 'gitea-bot', 'gitea');
    const ctx = testContext({ GITEA_URL: a.url, GITEA_TOKEN: 'token-of-a', KUGETSU_STATE_DIR: tempDir() });
    expect(await runCli(['node', 'kugetsu', 'instances', 'list', '--json'], ctx)).toBe(0);
    expect(JSON.parse(ctx.output.stdout.join('\n'))).toMatchObject({ ok: true, instances: [{ name: 'gitea', url: a.url, kind: 'gitea', reachable: true, user: 'gitea-bot' }] });
  });
});
