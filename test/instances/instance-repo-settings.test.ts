import { afterAll, describe, expect, it } from 'vitest';
import { loadRepoSettings } from '../../src/config/repo-config.js';
import { DEFAULTS, removeTrees, webhooksTree } from '../config/fixtures/repo-config-kit.js';

afterAll(removeTrees);

describe('per-repository settings that name an instance (repository: host/owner/*)', () => {
  it('a host-qualified pattern applies on that instance only; unqualified patterns apply on every instance', () => {
    const dir = webhooksTree({
      'acme.yaml': 'repository: acme/*\ncommand: /bot\ntrigger_labels: [ready]\n',
      'codeberg-acme.yaml': 'repository: codeberg.org/acme/*\ntrigger_labels: [agent]\n',
      'company-app.yaml': 'repository: git.example.com/acme/app\nmin_role: admin\n',
    });
    const { source, errors } = loadRepoSettings({ dir, env: {}, defaults: DEFAULTS });
    expect(errors).toEqual([]);
    // On codeberg.org: its own owner file over the unqualified acme/* (whose command it keeps).
    const onCodeberg = source.settingsFor('acme', 'app', 'codeberg.org');
    expect(onCodeberg.triggerLabels).toEqual(['agent']);
    expect(onCodeberg.command).toBe('/bot');
    // On git.example.com: acme/app has its own file there, built on acme/*.
    const onCompany = source.settingsFor('Acme', 'App', 'git.example.com');
    expect(onCompany.minRole).toBe('admin');
    expect(onCompany.triggerLabels).toEqual(['ready']);
    expect(onCompany.command).toBe('/bot');
    // Another instance, and no host at all: only the unqualified pattern.
    for (const host of ['other.example.org', undefined]) {
      const s = source.settingsFor('acme', 'app', host);
      expect(s.triggerLabels).toEqual(['ready']);
      expect(s.minRole).toBe(DEFAULTS.minRole);
    }
    expect(source.settingsFor('acme', 'other', 'git.example.com').minRole).toBe(DEFAULTS.minRole);
  });

  it('a malformed qualified repository is an error at its line', () => {
    const dir = webhooksTree({ 'bad.yaml': 'repository: a/b/c/d\n' });
    const { errors } = loadRepoSettings({ dir, env: {}, defaults: DEFAULTS });
    expect(errors.map((e) => e.text)).toEqual([expect.stringMatching(/bad\.yaml:1:\d+: "repository" must be owner\/repo.*git\.example\.com\/acme\/\*/)]);
  });
});
