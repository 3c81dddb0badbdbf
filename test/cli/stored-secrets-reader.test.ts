import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createStoredSecretsReader } from '../../src/admin/stored-secrets-reader.js';
import { secretFile, writeStoredSecret } from '../../src/admin/stored-secrets.js';
import { tempDir } from './support/cli-kit.js';

describe('the ingress reader of stored webhook secrets', () => {
  it('sees a secret written, rewritten in place (same size), rotated by rename and removed while it runs', () => {
    const state = tempDir();
    const read = createStoredSecretsReader(state);
    expect(read('acme/app')).toEqual([]);
    writeStoredSecret(state, 'acme/app', 'aaaa');
    expect(read('acme/app')).toEqual(['aaaa']);
    expect(read('acme/app')).toEqual(['aaaa']);
    const file = secretFile(state, 'acme/app')!;
    // Edited by hand: the same number of bytes, the same inode.
    writeFileSync(file, 'bbbb\n');
    expect(read('acme/app')).toEqual(['bbbb']);
    writeFileSync(`${file}.tmp`, 'cccc\n# old\nbbbb\n');
    renameSync(`${file}.tmp`, file);
    expect(read('acme/app')).toEqual(['cccc', 'bbbb']);
    rmSync(file);
    expect(read('acme/app')).toEqual([]);
    writeStoredSecret(state, '@git.example.com/acme/*', 'org');
    expect(read('@git.example.com/acme/*')).toEqual(['org']);
    expect(read('acme/*')).toEqual([]);
  });

  it('answers nothing for names that could leave the secrets folder, and stays bounded under many names', () => {
    const state = tempDir();
    writeStoredSecret(state, 'acme/app', 'kept');
    const read = createStoredSecretsReader(state, 8);
    for (const key of ['../x', 'a/..', 'a/b/c', '']) expect(read(key)).toEqual([]);
    for (let i = 0; i < 50; i++) expect(read(`stranger/repo-${i}`)).toEqual([]);
    expect(read('acme/app')).toEqual(['kept']);
  });
});
