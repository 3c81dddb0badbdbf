import { describe, expect, it } from 'vitest';
import { checkSignIn } from '../../src/cli/doctor-sign-in-check.js';
import { defaultInstance, parseInstancesFile } from '../../src/config/instances-file.js';

const first = defaultInstance({ giteaUrl: 'https://git.example.com', giteaToken: 't', webhookSecrets: ['s'] });
const env = { A_TOKEN: 'a', B_TOKEN: 'b', CB_ID: 'cb-client-id', CB_SECRET: 'cb-client-secret' };
const twoInstances = parseInstancesFile(
  'i.yaml',
  'instances:\n  - name: company\n    url: https://git.example.com\n    token_env: A_TOKEN\n  - name: codeberg\n    url: https://codeberg.org\n    token_env: B_TOKEN\n    oauth_client_id_env: CB_ID\n    oauth_client_secret_env: CB_SECRET\n',
  env,
).instances!;

describe('kugetsu doctor: the dashboard sign-in line', () => {
  it('is off without an OAuth2 application: only the admin token opens the dashboard', () => {
    expect(checkSignIn({}, [first])).toEqual({
      name: 'dashboard sign-in',
      status: 'ok',
      detail: 'off: no instance has an OAuth2 application for kugetsu, so only the admin token opens the dashboard',
    });
  });

  it('names the instance and the redirect URI its application must register', () => {
    const check = checkSignIn({ KUGETSU_OAUTH_CLIENT_ID: 'id', KUGETSU_OAUTH_CLIENT_SECRET: 'secret', KUGETSU_PUBLIC_URL: 'https://kugetsu.example.org/' }, [first]);
    expect(check).toEqual({
      name: 'dashboard sign-in',
      status: 'ok',
      detail: "with git.example.com; each OAuth2 application's redirect URI must be https://kugetsu.example.org/auth/callback",
    });
  });

  it('with several instances names only those with an application, as serve offers them', () => {
    expect(twoInstances.map((i) => i.name)).toEqual(['company', 'codeberg']);
    const check = checkSignIn({ ...env, KUGETSU_PUBLIC_URL: 'https://kugetsu.example.org' }, twoInstances);
    expect(check?.detail).toBe("with codeberg (codeberg.org); each OAuth2 application's redirect URI must be https://kugetsu.example.org/auth/callback");
    const both = checkSignIn({ ...env, KUGETSU_PUBLIC_URL: 'https://kugetsu.example.org', KUGETSU_OAUTH_CLIENT_ID: 'id', KUGETSU_OAUTH_CLIENT_SECRET: 'secret' }, twoInstances);
    expect(both?.detail).toMatch(/^with company \(git\.example\.com\), codeberg \(codeberg\.org\);/);
  });

  it('leaves settings with problems to the configuration line (no second line for them)', () => {
    expect(checkSignIn({ KUGETSU_OAUTH_CLIENT_ID: 'id' }, [first])).toBeUndefined();
    expect(checkSignIn(env, twoInstances)).toBeUndefined();
  });
});
