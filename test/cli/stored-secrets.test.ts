import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readStoredSecrets, secretFile, storedSecretsFor, writeStoredSecret } from '../../src/admin/stored-secrets.js';
import { tempDir } from './support/cli-kit.js';

describe('stored webhook secrets', () => {
  it('are read back by key (owner/repo, org/*), lowercase, several lines allowed, stray files ignored', () => {
    const state = tempDir();
    writeStoredSecret(state, 'Acme/App', 'one');
    writeStoredSecret(state, 'acme/*', 'org');
    writeFileSync(secretFile(state, 'acme/app')!, 'new\n# old one, until the rotation is over\nold\n');
    mkdirSync(path.join(state, 'secrets', 'zed'), { recursive: true });
    writeFileSync(path.join(state, 'secrets', 'zed', 'notes.txt'), 'not a secret');
    writeFileSync(path.join(state, 'secrets', 'zed', 'empty.secret'), '\n');
    expect(readStoredSecrets(state)).toEqual({ 'acme/app': ['new', 'old'], 'acme/*': ['org'] });
    expect(storedSecretsFor(state, 'acme/app')).toEqual(['new', 'old']);
    expect(storedSecretsFor(state, 'acme/*')).toEqual(['org']);
    expect(storedSecretsFor(state, 'nobody/x')).toEqual([]);
  });

  it('refuse names that could leave the secrets folder', () => {
    const state = tempDir();
    for (const key of ['../x', 'a/..', 'a/b/c', '.hidden/x', 'a/.git.', '']) expect(secretFile(state, key)).toBeUndefined();
    expect(() => writeStoredSecret(state, '../etc/passwd', 's')).toThrow(/not owner\/repo or org\/\*/);
    expect(readStoredSecrets(state)).toEqual({});
  });
});
