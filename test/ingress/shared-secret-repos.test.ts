import { describe, expect, it } from 'vitest';
import type { RepoRef } from '../../src/domain/repo-ref.js';
import { reposSharingGlobalSecret } from '../../src/ingress/shared-secret-repos.js';
import { chooseSecrets } from '../../src/ingress/webhook-secrets.js';

const repo = (owner: string, name: string, host?: string): RepoRef => ({
  owner,
  name,
  fullName: `${owner}/${name}`,
  cloneUrl: '',
  defaultBranch: 'main',
  htmlUrl: '',
  ...(host ? { host } : {}),
});

/** The real choice: `own` repositories (lowercase names) have a secret of their own, every other one takes the global secret. */
const lookup = (own: string[]) => (fullName: string) =>
  chooseSecrets(
    {
      global: ['g'],
      repository: (name) => (own.includes(name) ? ['own'] : []),
      organization: () => [],
      storedRepository: () => [],
      storedOrganization: () => [],
    },
    fullName,
  );

describe('reposSharingGlobalSecret', () => {
  it('lists the repositories without a secret of their own, once each (case-insensitive, as first spelled), sorted', () => {
    const repos = [repo('acme', 'web'), repo('Acme', 'App'), repo('acme', 'app'), repo('acme', 'own')];
    expect(reposSharingGlobalSecret(repos, lookup(['acme/own']))).toEqual(['Acme/App', 'acme/web']);
  });

  it('names host-qualified repositories with their host', () => {
    expect(reposSharingGlobalSecret([repo('acme', 'app', 'git.example'), repo('acme', 'lib', 'git.example')], lookup([]))).toEqual([
      'git.example/acme/app',
      'git.example/acme/lib',
    ]);
  });

  it('is empty when every repository has its own secret, or when there is no global secret', () => {
    expect(reposSharingGlobalSecret([repo('acme', 'app')], lookup(['acme/app']))).toEqual([]);
    expect(reposSharingGlobalSecret([repo('acme', 'app'), repo('acme', 'lib')], () => [])).toEqual([]);
  });
});
