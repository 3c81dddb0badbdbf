import { describe, expect, it } from 'vitest';
import { instanceSecrets, type InstanceSecretSources } from '../../src/ingress/instance-secrets.js';

/** Sources with a mutable stored-secret table, so a hook stored later can be added. */
function sources(): InstanceSecretSources & { storedTable: Map<string, string[]> } {
  const storedTable = new Map<string, string[]>();
  return {
    global: ['global-secret'],
    configured: { 'acme/app': ['env-repo-secret'], 'acme/*': ['env-org-secret'] },
    settings: (owner, repo) => (owner === 'acme' && repo === 'settings-only' ? ['settings-secret'] : []),
    stored: (key) => storedTable.get(key) ?? [],
    storedTable,
  };
}

const secretsOf = (sets: ReturnType<ReturnType<typeof instanceSecrets>>) => sets.flatMap((s) => s.secrets.map((secret) => `${s.scope}:${secret}`));

describe('instanceSecrets', () => {
  it('on the first instance: a repository with secrets of its own (environment, settings, its owner) never takes the global one', () => {
    const forFirst = instanceSecrets(sources(), { first: true, host: 'git.example', secrets: [] });
    expect(secretsOf(forFirst('acme/app'))).toEqual(['repository:env-repo-secret', 'organization:env-org-secret']);
    expect(secretsOf(forFirst('acme/other'))).toEqual(['organization:env-org-secret']);
    expect(secretsOf(forFirst('acme/settings-only'))).toEqual(['repository:settings-secret', 'organization:env-org-secret']);
    expect(secretsOf(forFirst('solo/tool'))).toEqual(['global:global-secret']);
    expect(secretsOf(forFirst(undefined))).toEqual(['global:global-secret']);
  });

  it('looks at stored secrets at each call: a hook stored while the server runs counts from the next delivery', () => {
    const s = sources();
    const forFirst = instanceSecrets(s, { first: true, host: 'git.example', secrets: [] });
    expect(secretsOf(forFirst('solo/tool'))).toEqual(['global:global-secret']);
    s.storedTable.set('solo/tool', ['stored-secret']);
    expect(forFirst('solo/tool')).toEqual([{ scope: 'repository', secrets: ['stored-secret'], hookTarget: 'repository' }]);
  });

  it("on another instance: its own secrets, and stored ones only under its host; the first instance's configured secrets do not apply", () => {
    const s = sources();
    s.storedTable.set('@code.example/acme/app', ['stored-there']);
    s.storedTable.set('solo/tool', ['stored-on-first']);
    const forOther = instanceSecrets(s, { first: false, host: 'code.example', secrets: ['other-secret'] });
    expect(forOther('acme/app')).toEqual([{ scope: 'repository', secrets: ['stored-there'], hookTarget: 'repository' }]);
    expect(secretsOf(forOther('solo/tool'))).toEqual(['global:other-secret']);
    expect(secretsOf(forOther('acme/settings-only'))).toEqual(['global:other-secret']);
  });
});
