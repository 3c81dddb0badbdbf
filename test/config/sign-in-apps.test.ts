import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import type { InstanceSettings } from '../../src/config/instances-file.js';
import { otherSignInInstances, signInApps } from '../../src/config/sign-in-apps.js';
import { tempDir } from '../cli/support/cli-kit.js';
import { writeInstancesFile } from '../instances/support/forges.js';

const instance = (name: string, host: string, oauth?: { clientId: string; clientSecret: string }): InstanceSettings => ({
  name,
  url: `https://${host}`,
  host,
  kind: 'gitea',
  token: `token-${name}`,
  secrets: [],
  ...(oauth ? { oauth } : {}),
});
const urls = { publicUrl: 'https://kugetsu.example', redirectUrl: 'https://kugetsu.example/auth/callback' };

describe('signInApps', () => {
  it("gives the first instance KUGETSU_OAUTH_*'s application and every other its own, skipping those without one", () => {
    const apps = signInApps({ web: { oauth: { clientId: 'env-id', clientSecret: 'env-secret', ...urls }, signIn: urls } } as never, [
      instance('company', 'git.company', { clientId: 'file-id', clientSecret: 'file-secret' }),
      instance('internal', 'git.internal'),
      instance('codeberg', 'codeberg.org', { clientId: 'cb-id', clientSecret: 'cb-secret' }),
    ]);
    expect(apps).toEqual([
      { name: 'company', host: 'git.company', url: 'https://git.company', clientId: 'env-id', clientSecret: 'env-secret', sessionInstance: undefined },
      { name: 'codeberg', host: 'codeberg.org', url: 'https://codeberg.org', clientId: 'cb-id', clientSecret: 'cb-secret', sessionInstance: 'codeberg' },
    ]);
  });

  it("uses the first instance's file keys when KUGETSU_OAUTH_* is unset", () => {
    const apps = signInApps({ web: { signIn: urls } } as never, [instance('company', 'git.company', { clientId: 'file-id', clientSecret: 'file-secret' })]);
    expect(apps.map((a) => [a.name, a.clientId, a.sessionInstance])).toEqual([['company', 'file-id', undefined]]);
  });

  it('is empty without KUGETSU_PUBLIC_URL (no redirect URI to register)', () => {
    expect(signInApps({ web: undefined } as never, [instance('company', 'git.company', { clientId: 'id', clientSecret: 's' })])).toEqual([]);
  });
});

describe('signInApps from a loaded configuration', () => {
  it("lets the first instance's application come from the instances file alone (no KUGETSU_OAUTH_*)", () => {
    const dir = tempDir('kugetsu-sign-in-apps-');
    const file = writeInstancesFile(dir, [
      { name: 'company', url: 'https://git.company', tokenEnv: 'A_TOKEN', secretEnv: 'A_SECRET', oauthClientIdEnv: 'A_ID', oauthClientSecretEnv: 'A_OAUTH' },
      { name: 'codeberg', url: 'https://codeberg.org', kind: 'forgejo', tokenEnv: 'B_TOKEN', secretEnv: 'B_SECRET' },
    ]);
    const config = loadConfig(
      {
        KUGETSU_INSTANCES_FILE: file,
        A_TOKEN: 'a',
        A_SECRET: 'a-secret',
        A_ID: 'company-app',
        A_OAUTH: 'company-app-secret',
        B_TOKEN: 'b',
        B_SECRET: 'b-secret',
        KUGETSU_PUBLIC_URL: 'https://kugetsu.example',
        KUGETSU_STATE_DIR: path.join(dir, 'state'),
      },
      dir,
    );
    expect(signInApps(config, config.instances ?? []).map((a) => [a.name, a.clientId, a.clientSecret, a.sessionInstance])).toEqual([
      ['company', 'company-app', 'company-app-secret', undefined],
    ]);
  });
});

describe('otherSignInInstances', () => {
  it("names the instances after the first whose own application the file names (the first's never: KUGETSU_OAUTH_* may stand for it)", () => {
    const app = { clientId: 'id', clientSecret: 'secret' };
    expect(otherSignInInstances([instance('company', 'git.company', app), instance('internal', 'git.internal'), instance('codeberg', 'codeberg.org', app)])).toEqual(['codeberg']);
    expect(otherSignInInstances([instance('gitea', 'git.example', app)])).toEqual([]);
  });
});
