import { describe, expect, it } from 'vitest';
import type { InstanceSettings } from '../../src/config/instances-file.js';
import { signInApps } from '../../src/config/sign-in-apps.js';

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
