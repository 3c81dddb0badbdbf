import { describe, expect, it } from 'vitest';
import { explainGitFailure } from '../../src/workspace/explain-git-failure.js';
import { GitCommandError } from '../../src/workspace/git-command-error.js';
import { buildGitEnv } from '../../src/workspace/git-env.js';
import { httpAuthConfig } from '../../src/workspace/http-auth-config.js';
import { createKeyedLock } from '../../src/workspace/keyed-lock.js';
import { createSecretMasker } from '../../src/workspace/secret-masker.js';

const TOKEN = 'abc123def456';

describe('httpAuthConfig', () => {
  it('scopes a Basic header with the token as password to the https origin', () => {
    expect(httpAuthConfig('https://gitea.example.test:8443/acme/widgets.git', TOKEN)).toEqual({
      key: 'http.https://gitea.example.test:8443/.extraHeader',
      value: `Authorization: Basic ${Buffer.from(`kugetsu:${TOKEN}`).toString('base64')}`,
    });
  });

  it.each([
    ['no token', 'https://gitea.example.test/a/b.git', undefined],
    ['a local path', '/srv/git/a.git', TOKEN],
    ['a file URL', 'file:///srv/git/a.git', TOKEN],
    ['plain http to a remote host', 'http://gitea.example.test/a/b.git', TOKEN],
  ])('sends nothing for %s', (_case, url, token) => {
    expect(httpAuthConfig(url, token)).toBeUndefined();
  });

  it('sends the header over plain http to a loopback host', () => {
    expect(httpAuthConfig('http://127.0.0.1:3000/a/b.git', TOKEN)?.key).toBe('http.http://127.0.0.1:3000/.extraHeader');
    expect(httpAuthConfig('http://localhost:3000/a/b.git', TOKEN)?.key).toBe('http.http://localhost:3000/.extraHeader');
  });
});

describe('createSecretMasker', () => {
  it('hides the token, its base64 forms and URL credentials', () => {
    const mask = createSecretMasker(TOKEN);
    const basic = Buffer.from(`kugetsu:${TOKEN}`).toString('base64');
    const text = `t=${TOKEN} h=Basic ${basic} u=https://x:${TOKEN}@host/a.git b=${Buffer.from(TOKEN).toString('base64')}`;

    const masked = mask(text);

    expect(masked).toBe('t=*** h=Basic *** u=https://***@host/a.git b=***');
  });

  it('only redacts URL credentials without a token', () => {
    expect(createSecretMasker(undefined)('see https://u:p@host/x and /plain/path')).toBe('see https://***@host/x and /plain/path');
  });
});

describe('buildGitEnv', () => {
  it('keeps PATH, HOME and proxies, drops everything else, and forbids prompts', () => {
    const env = buildGitEnv({
      PATH: '/bin',
      HOME: '/home/k',
      HTTPS_PROXY: 'http://proxy:3128',
      GIT_DIR: '/elsewhere',
      EDITOR: 'vim',
      GITEA_TOKEN: TOKEN,
    });

    expect(env).toEqual({
      PATH: '/bin',
      HOME: '/home/k',
      HTTPS_PROXY: 'http://proxy:3128',
      LANG: 'C',
      LC_ALL: 'C',
      GIT_TERMINAL_PROMPT: '0',
    });
  });

  it('adds one config entry through GIT_CONFIG_COUNT', () => {
    const env = buildGitEnv({ PATH: '/bin' }, { key: 'http.https://h/.extraHeader', value: 'Authorization: Basic eA==' });

    expect(env).toMatchObject({
      GIT_CONFIG_COUNT: '1',
      GIT_CONFIG_KEY_0: 'http.https://h/.extraHeader',
      GIT_CONFIG_VALUE_0: 'Authorization: Basic eA==',
    });
  });
});

describe('createKeyedLock', () => {
  const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

  it('runs callbacks of one key one at a time and other keys alongside, then forgets idle keys', async () => {
    const lock = createKeyedLock();
    const events: string[] = [];
    const job = (key: string, name: string) =>
      lock.run(key, async () => {
        events.push(`${name}:start`);
        await tick();
        events.push(`${name}:end`);
        return name;
      });

    const results = await Promise.all([job('a', 'a1'), job('a', 'a2'), job('b', 'b1')]);

    expect(results).toEqual(['a1', 'a2', 'b1']);
    expect(events.indexOf('a1:end')).toBeLessThan(events.indexOf('a2:start'));
    expect(events.indexOf('b1:start')).toBeLessThan(events.indexOf('a1:end'));
    expect(lock.size()).toBe(0);
  });

  it('releases the key when a callback throws', async () => {
    const lock = createKeyedLock();
    await expect(lock.run('a', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(lock.run('a', async () => 'next')).resolves.toBe('next');
    expect(lock.size()).toBe(0);
  });
});

describe('explainGitFailure', () => {
  it("leaves git clone's 'Cloning into' line out of the hint and the quoted output", () => {
    const stderr = "Cloning into bare repository 'openssl.git.tmp-1-abcd'...\nremote: Not found.\nfatal: repository 'https://gitea.example/acme/x.git/' not found";
    const error = explainGitFailure('clone', 'could not clone https://gitea.example/acme/x.git', new GitCommandError(['clone'], 128, stderr));
    expect(error).toMatchObject({ name: 'WorkspaceError', phase: 'clone' });
    expect(error.message).toBe(
      "could not clone https://gitea.example/acme/x.git: repository not found or token lacks read access; check the clone URL and GITEA_TOKEN (git: remote: Not found. | fatal: repository 'https://gitea.example/acme/x.git/' not found)",
    );
  });

  it("leaves git push --verbose's 'Pushing to' line out, so a rejected push reads as with --quiet", () => {
    const stderr =
      "Pushing to https://gitea.example/acme/x.git\nTo https://gitea.example/acme/x.git\n ! [rejected]        abc -> kugetsu/issue-1 (fetch first)\nerror: failed to push some refs to 'https://gitea.example/acme/x.git'\nhint: Updates were rejected";
    const error = explainGitFailure('push', 'could not push kugetsu/issue-1 to https://gitea.example/acme/x.git', new GitCommandError(['push'], 1, stderr));
    expect(error.message).toBe(
      'could not push kugetsu/issue-1 to https://gitea.example/acme/x.git: the remote branch moved since this turn began (someone else pushed to it); the commits are kept in the worktree — merge or rebase onto the remote branch, or delete the remote branch, then retry' +
        " (git: To https://gitea.example/acme/x.git | ! [rejected]        abc -> kugetsu/issue-1 (fetch first) | error: failed to push some refs to 'https://gitea.example/acme/x.git')",
    );
  });
});
