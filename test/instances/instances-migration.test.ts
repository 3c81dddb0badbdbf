import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { issueKey, parseIssueKey, qualifyIssueKey } from '../../src/domain/issue-key.js';
import { loadConfig, ConfigError } from '../../src/config/load-config.js';
import { parseInstancesFile } from '../../src/config/instances-file.js';
import { admitOptions, delivery, key, newJob, openStore, tempDir, tempDbFile } from '../store/store-fixtures.js';

describe('issue keys of one and of several instances', () => {
  it('are formatted and parsed in both forms', () => {
    expect(issueKey('acme', 'app', 12)).toBe('acme/app#12');
    expect(issueKey('acme', 'app', 12, 'Git.Example.com')).toBe('git.example.com/acme/app#12');
    expect(parseIssueKey('acme/app#12')).toEqual({ owner: 'acme', repo: 'app', number: 12 });
    expect(parseIssueKey('git.example.com:3000/acme/app#12')).toEqual({ host: 'git.example.com:3000', owner: 'acme', repo: 'app', number: 12 });
    expect(parseIssueKey('a/b/c/d#1')).toBeUndefined();
    expect(qualifyIssueKey('acme/app#12', 'codeberg.org')).toBe('codeberg.org/acme/app#12');
    expect(qualifyIssueKey('codeberg.org/acme/app#12', 'other.org')).toBe('codeberg.org/acme/app#12');
  });
});

describe('a store written by a one-instance kugetsu', () => {
  it("keeps its jobs and sessions when a second instance is added: unqualified keys become the first instance's, once", async () => {
    const file = tempDbFile();
    const store = openStore({ file });
    const admitted = await store.admit(delivery('d-1'), newJob(1), admitOptions());
    if (admitted.kind !== 'accepted') throw new Error(`not admitted: ${admitted.kind}`);
    await store.putSession({
      issueKey: key(1),
      agent: 'opencode',
      sessionId: 'ses_1',
      worktreePath: '/state/worktrees/acme/app/issue-1',
      branch: 'kugetsu/issue-1',
      updatedAt: '2025-01-01T00:00:00.000Z',
    });

    expect(await store.qualifyIssueKeys!('git.example.com')).toBe(2);
    const qualified = issueKey('acme', 'app', 1, 'git.example.com');
    expect((await store.get(admitted.job.id))?.issueKey).toBe(qualified);
    expect((await store.listByIssue(qualified)).map((j) => j.id)).toEqual([admitted.job.id]);
    expect((await store.getSession(qualified))?.sessionId).toBe('ses_1');
    expect(await store.getSession(key(1))).toBeUndefined();
    // A second start changes nothing.
    expect(await store.qualifyIssueKeys!('git.example.com')).toBe(0);
  });
});

describe('the instances file', () => {
  const env = { A_TOKEN: 'a', B_TOKEN: 'b', B_SECRET: 's' };
  it('reads a Gitea and a Forgejo, secrets by variable name', () => {
    const text =
      'instances:\n  - name: company\n    url: https://git.example.com/\n    token_env: A_TOKEN\n  - name: codeberg\n    url: https://codeberg.org\n    kind: forgejo\n    token_env: B_TOKEN\n    secret_env: B_SECRET\n';
    const { instances, errors } = parseInstancesFile('instances.yaml', text, env);
    expect(errors).toEqual([]);
    expect(instances?.map((i) => [i.name, i.host, i.kind, i.token, i.secrets])).toEqual([
      ['company', 'git.example.com', 'gitea', 'a', []],
      ['codeberg', 'codeberg.org', 'forgejo', 'b', ['s']],
    ]);
  });

  it('reports every problem with file:line:col', () => {
    const text = [
      'instances:',
      '  - name: company',
      '    url: https://git.example.com',
      '    token_env: A_TOKEN',
      '    token: inline-secret',
      '  - name: Bad Name',
      '    url: https://codeberg.org',
      '    kind: gitlab',
      '    token_env: B_TOKEN',
      '',
    ].join('\n');
    expect(parseInstancesFile('instances.yaml', text, env).errors.map((e) => e.text)).toEqual([
      'instances.yaml:5:5: "token": secrets are never written in a file; name the environment variable that holds it with token_env or secret_env',
      'instances.yaml:6:11: name must be lowercase letters, digits and "-" (at most 40), e.g. codeberg',
      'instances.yaml:8:11: kind must be gitea or forgejo',
    ]);
    const dup = 'instances:\n  - name: a\n    url: https://x.org\n    token_env: A_TOKEN\n  - name: a\n    url: https://x.org\n    token_env: MISSING\n';
    expect(parseInstancesFile('i.yaml', dup, env).errors.map((e) => e.text)).toEqual([
      'i.yaml:5:11: instance name "a" is used twice (also instance 1); each needs its own name',
      'i.yaml:6:10: host x.org is used twice (also instance 1); issue keys are qualified by host, so each instance needs its own',
      'i.yaml:7:16: MISSING (the access token of instance "a") is not set',
    ]);
  });

  it("reads each instance's OAuth2 application from the variables it names: both keys or neither, each variable set", () => {
    const withOAuth = (first: string, second: string) =>
      `instances:\n  - name: company\n    url: https://git.example.com\n    token_env: A_TOKEN\n${first}  - name: codeberg\n    url: https://codeberg.org\n    token_env: B_TOKEN\n${second}`;
    const oauthEnv = { ...env, CB_ID: 'cb-client-id', CB_SECRET: 'cb-client-secret' };
    const ok = parseInstancesFile('i.yaml', withOAuth('', '    oauth_client_id_env: CB_ID\n    oauth_client_secret_env: CB_SECRET\n'), oauthEnv);
    expect(ok.errors).toEqual([]);
    expect(ok.instances!.map((i) => [i.name, i.oauth, i.oauthClientIdEnv, i.oauthClientSecretEnv])).toEqual([
      ['company', undefined, undefined, undefined],
      ['codeberg', { clientId: 'cb-client-id', clientSecret: 'cb-client-secret' }, 'CB_ID', 'CB_SECRET'],
    ]);
    const bad = withOAuth('    oauth_client_id_env: CB_ID\n', '    oauth_client_id_env: NO_ID\n    oauth_client_secret_env: NO_SECRET\n    oauth_client_secret: inline\n');
    expect(parseInstancesFile('i.yaml', bad, oauthEnv).errors.map((e) => e.text)).toEqual([
      'i.yaml:11:5: "oauth_client_secret": the dashboard\'s OAuth2 application is never written in a file; name the environment variables that hold it with oauth_client_id_env and oauth_client_secret_env',
    ]);
    const unset = withOAuth('    oauth_client_id_env: CB_ID\n', '    oauth_client_id_env: NO_ID\n    oauth_client_secret_env: NO_SECRET\n');
    expect(parseInstancesFile('i.yaml', unset, oauthEnv).errors.map((e) => e.text)).toEqual([
      'i.yaml:5:26: oauth_client_id_env needs oauth_client_secret_env beside it: the dashboard\'s OAuth2 application of instance "company" is a client id and a client secret',
      'i.yaml:9:26: NO_ID (the dashboard\'s OAuth2 client id on instance "codeberg") is not set',
      'i.yaml:10:30: NO_SECRET (the dashboard\'s OAuth2 client secret on instance "codeberg") is not set',
    ]);
  });

  it("another instance's OAuth2 application needs KUGETSU_PUBLIC_URL; the first's may be named in the file instead of KUGETSU_OAUTH_*", () => {
    const dir = tempDir();
    writeFileSync(
      path.join(dir, 'instances.yaml'),
      'instances:\n  - name: company\n    url: https://git.example.com\n    token_env: A_TOKEN\n    oauth_client_id_env: A_ID\n    oauth_client_secret_env: A_SECRET\n' +
        '  - name: codeberg\n    url: https://codeberg.org\n    token_env: B_TOKEN\n    oauth_client_id_env: B_ID\n    oauth_client_secret_env: B_SECRET\n',
    );
    const base = {
      KUGETSU_INSTANCES_FILE: 'instances.yaml',
      A_TOKEN: 'a',
      B_TOKEN: 'b',
      A_ID: 'a-id',
      A_SECRET: 'a-secret',
      B_ID: 'b-id',
      B_SECRET: 'b-secret',
      KUGETSU_ALLOW_UNSIGNED: '1',
    };
    let error: unknown;
    try {
      loadConfig(base, dir);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([expect.stringMatching(/^KUGETSU_PUBLIC_URL is missing: sign-in with instance "codeberg" needs/)]);
    const config = loadConfig({ ...base, KUGETSU_PUBLIC_URL: 'https://k.example.org' }, dir);
    expect(config.web?.oauth).toMatchObject({ clientId: 'a-id', clientSecret: 'a-secret', redirectUrl: 'https://k.example.org/auth/callback' });
    expect(config.web?.signIn).toEqual({ publicUrl: 'https://k.example.org', redirectUrl: 'https://k.example.org/auth/callback' });
    expect(config.instances?.[1]?.oauth).toEqual({ clientId: 'b-id', clientSecret: 'b-secret' });
    // The variables holding them stay out of the agent's environment.
    expect(Object.keys(config.agentEnvWith(['A_ID', 'A_SECRET', 'B_ID', 'B_SECRET']))).toEqual([]);
  });

  it('stops kugetsu with its errors when KUGETSU_INSTANCES_FILE is set', () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'instances.yaml'), 'instances:\n  - name: a\n    url: not a url\n    token_env: A_TOKEN\n');
    let error: unknown;
    try {
      loadConfig({ KUGETSU_INSTANCES_FILE: 'instances.yaml', A_TOKEN: 'a', KUGETSU_ALLOW_UNSIGNED: '1' }, dir);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems[0]).toBe(
      `KUGETSU_INSTANCES_FILE: ${path.join(dir, 'instances.yaml')}:3:10: url must be the base URL of the instance, e.g. https://codeberg.org`,
    );
  });
});
