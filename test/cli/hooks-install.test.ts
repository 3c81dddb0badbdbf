import { statSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KUGETSU_FINE_EVENTS, KUGETSU_HOOK_EVENTS } from '../../src/admin/hook-spec.js';
import { readStoredSecrets, secretFile, storedSecretsFor } from '../../src/admin/stored-secrets.js';
import { runAction } from '../../src/cli/context.js';
import { hooksInstallCommand } from '../../src/cli/hooks-install-command.js';
import { expandHookEvents } from '../../src/sandbox/fake-gitea-hook-events.js';
import { tempDir, testContext } from './support/cli-kit.js';
import { ORG_HOOKS_REPO, startTestGitea, type TestGitea } from './support/gitea.js';

const URL_ = 'https://kugetsu.example.com/webhooks/gitea';
let gitea: TestGitea;
let stateDir: string;

beforeEach(async () => {
  gitea = await startTestGitea();
  stateDir = tempDir();
});
afterEach(() => gitea.close());

const ctx = () => testContext({ GITEA_URL: gitea.url, GITEA_TOKEN: gitea.fake.token, KUGETSU_STATE_DIR: stateDir });
const hooksOf = (repo = 'acme/app') => gitea.fake.repo(repo).hooks;

/** The hook is exactly what kugetsu needs, and its secret is the one stored for the repository. */
function expectRightHook(repo = 'acme/app', key = 'acme/app') {
  const hooks = hooksOf(repo);
  expect(hooks).toHaveLength(1);
  const [hook] = hooks;
  expect(hook).toMatchObject({ type: 'gitea', url: URL_, contentType: 'json', active: true, branchFilter: '*', events: expandHookEvents(KUGETSU_HOOK_EVENTS) });
  expect(storedSecretsFor(stateDir, key)).toEqual([hook!.secret]);
  expect(hook!.secret).toMatch(/^[0-9a-f]{64}$/);
  return hook!;
}

describe('kugetsu hooks install', () => {
  it('twice against the Gitea fake leaves exactly one correct hook, and the second run changes nothing', async () => {
    const first = ctx();
    expect(await hooksInstallCommand('acme/app', { url: URL_ }, first)).toBe(0);
    expect(first.output.stdout[0]).toMatch(/^✓ created hook \d+ on acme\/app$/);
    const hook = expectRightHook();
    expect(statSync(secretFile(stateDir, 'acme/app')!).mode & 0o777).toBe(0o600);
    expect(statSync(`${stateDir}/secrets`).mode & 0o777).toBe(0o700);

    gitea.fake.takeCalls();
    const second = ctx();
    expect(await hooksInstallCommand('acme/app', { url: URL_ }, second)).toBe(0);
    expect(second.output.stdout[0]).toBe(`✓ hook ${hook.id} on acme/app is already right; nothing changed`);
    gitea.fake.expectCalls([{ method: 'GET', path: '/repos/acme/app/hooks?page=1&limit=50' }]);
    expect(expectRightHook()).toEqual(hook);
  });

  it('repairs a wrong hook with one PATCH carrying the full events list, keeping its id and secret', async () => {
    await hooksInstallCommand('acme/app', { url: URL_ }, ctx());
    const hook = hooksOf()[0]!;
    Object.assign(hook, { events: ['push'], active: false, contentType: 'form', branchFilter: 'main' });
    gitea.fake.takeCalls();

    const c = ctx();
    expect(await hooksInstallCommand('acme/app', { url: URL_, json: true }, c)).toBe(0);
    const outcome = JSON.parse(c.output.stdout.join('\n'));
    expect(outcome).toMatchObject({ action: 'repaired', deleted: [], hook: { id: hook.id, active: true } });
    expect(outcome.problems).toEqual(expect.arrayContaining(['inactive', 'content type is "form", not "json"', 'branch filter is "main", not "*"']));
    const calls = gitea.fake.takeCalls();
    expect(calls.map((x) => `${x.method} ${x.path}`)).toEqual(['GET /repos/acme/app/hooks?page=1&limit=50', `PATCH /repos/acme/app/hooks/${hook.id}`]);
    expect(calls[1]!.body).toEqual({ config: { url: URL_, content_type: 'json' }, events: [...KUGETSU_HOOK_EVENTS], branch_filter: '*', active: true });
    expect(expectRightHook().id).toBe(hook.id);
  });

  it('replaces a hook whose secret kugetsu does not have: new hook with a new stored secret, old one deleted afterwards', async () => {
    gitea.fake.repo('acme/app').hooks.push({
      id: 900,
      type: 'gitea',
      url: URL_,
      contentType: 'json',
      secret: 'typed-by-hand',
      events: expandHookEvents(KUGETSU_HOOK_EVENTS),
      active: true,
      branchFilter: '*',
      authorizationHeader: '',
      createdAt: new Date(),
      updatedAt: new Date(),
    });
    const c = ctx();
    expect(await hooksInstallCommand('acme/app', { url: URL_ }, c)).toBe(0);
    expect(c.output.stdout[0]).toMatch(/^✓ replaced hook 900 on acme\/app by hook \d+ with a new secret \(no stored secret\)$/);
    const calls = gitea.fake.takeCalls().map((x) => x.method);
    expect(calls).toEqual(['GET', 'POST', 'DELETE']);
    expect(expectRightHook().secret).not.toBe('typed-by-hand');
  });

  it('--rotate-secret replaces a right hook by one with a new secret', async () => {
    await hooksInstallCommand('acme/app', { url: URL_ }, ctx());
    const before = expectRightHook();
    expect(await hooksInstallCommand('acme/app', { url: URL_, rotateSecret: true }, ctx())).toBe(0);
    const after = expectRightHook();
    expect(after.id).not.toBe(before.id);
    expect(after.secret).not.toBe(before.secret);
  });

  it('leaves one hook when several already post to the URL, and keeps hooks with other URLs', async () => {
    await hooksInstallCommand('acme/app', { url: URL_ }, ctx());
    const right = hooksOf()[0]!;
    hooksOf().push({ ...right, id: 901, events: ['push'] }, { ...right, id: 902, url: 'https://ci.example.com/hook' });
    const c = ctx();
    expect(await hooksInstallCommand('acme/app', { url: URL_ }, c)).toBe(0);
    expect(c.output.stdout[1]).toBe('  deleted duplicate hook(s) with the same URL: 901');
    expect(hooksOf().map((h) => h.id)).toEqual([right.id, 902]);
  });

  it('installs an organisation hook through /orgs/{org}/hooks, stored under org/*', async () => {
    const c = ctx();
    expect(await hooksInstallCommand('acme', { url: 'https://kugetsu.example.com' }, c)).toBe(0);
    expect(c.output.stdout[0]).toMatch(/^✓ created hook \d+ on organisation acme$/);
    expectRightHook(`acme/${ORG_HOOKS_REPO}`, 'acme/*');
    expect(gitea.fake.calls.map((x) => x.path)).toEqual([`/repos/acme/${ORG_HOOKS_REPO}/hooks?page=1&limit=50`, `/repos/acme/${ORG_HOOKS_REPO}/hooks`]);
    expect(await hooksInstallCommand('acme', { url: URL_ }, ctx())).toBe(0);
    expect(hooksOf(`acme/${ORG_HOOKS_REPO}`)).toHaveLength(1);
    expect(Object.keys(readStoredSecrets(stateDir))).toEqual(['acme/*']);
  });

  it('says what to fix when the bot is not an admin (403) or the token is wrong (401), and when --url is not a URL', async () => {
    gitea.fake.repo('acme/app').permissions.set('kugetsu-bot', 'write');
    const denied = ctx();
    expect(await runAction(denied, 'hooks install', () => hooksInstallCommand('acme/app', { url: URL_ }, denied))).toBe(1);
    expect(denied.output.stderr.join('\n')).toMatch(/HTTP 403[\s\S]*→ the bot account needs admin rights on the repository/);

    const badToken = testContext({ GITEA_URL: gitea.url, GITEA_TOKEN: 'nope', KUGETSU_STATE_DIR: stateDir });
    expect(await runAction(badToken, 'hooks install', () => hooksInstallCommand('acme/app', { url: URL_ }, badToken))).toBe(1);
    expect(badToken.output.stderr.join('\n')).toContain('→ GITEA_TOKEN is not accepted: create a new access token');

    const badUrl = ctx();
    expect(await runAction(badUrl, 'hooks install', () => hooksInstallCommand('acme/app', { url: 'kugetsu.example.com' }, badUrl))).toBe(1);
    expect(badUrl.output.stderr[0]).toContain('--url "kugetsu.example.com" is not a URL');
    expect(hooksOf()).toHaveLength(0);
  });

  it('answers Gitea 503 with exit code 2 (try later)', async () => {
    gitea.fake.failNext(1, 503);
    const c = ctx();
    expect(await runAction(c, 'hooks install', () => hooksInstallCommand('acme/app', { url: URL_ }, c))).toBe(2);
    expect(c.output.stderr.join('\n')).toContain('try again in a minute');
  });
});

describe('the hook kugetsu asks for', () => {
  it('lists, as Gitea expands them, exactly the fine events hookProblems requires', () => {
    expect(expandHookEvents(KUGETSU_HOOK_EVENTS)).toEqual(KUGETSU_FINE_EVENTS);
  });
});
