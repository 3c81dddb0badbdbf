import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createOpencodeHome, installedOpencodeVersion } from '../../src/sandbox/opencode-home.js';
import { tempDir } from './support.js';

describe('createOpencodeHome', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ dir, cleanup } = await tempDir('home')));
  afterEach(() => cleanup());

  it('isolates every opencode directory, points the config at the model and seeds the plugin package', async () => {
    const home = await createOpencodeHome({ dir, modelUrl: 'http://127.0.0.1:9/v1', path: '/nowhere' });
    const version = await installedOpencodeVersion();
    expect(version).toMatch(/^\d+\.\d+\.\d+/);
    for (const key of ['HOME', 'XDG_CONFIG_HOME', 'XDG_DATA_HOME', 'XDG_CACHE_HOME', 'XDG_STATE_HOME', 'TMPDIR', 'OPENCODE_CONFIG']) {
      expect(home.env[key]!.startsWith(dir + path.sep)).toBe(true);
    }
    expect(home.env).toMatchObject({ PATH: '/nowhere', FAKE_LLM_URL: 'http://127.0.0.1:9/v1', OPENCODE_DISABLE_MODELS_FETCH: '1', OPENCODE_DISABLE_FFF: '1' });
    const config = JSON.parse(await readFile(home.configFile, 'utf8'));
    expect(config.provider.mock.options.baseURL).toBe('{env:FAKE_LLM_URL}');
    expect(config).toMatchObject({ model: 'mock/scripted', small_model: 'mock/scripted', enabled_providers: ['mock'], autoupdate: false, share: 'disabled' });
    const seeded = path.join(home.env.XDG_CONFIG_HOME!, 'opencode');
    expect(JSON.parse(await readFile(path.join(seeded, 'package.json'), 'utf8'))).toEqual({ dependencies: { '@opencode-ai/plugin': version } });
    expect(JSON.parse(await readFile(path.join(seeded, 'package-lock.json'), 'utf8'))).toEqual({
      lockfileVersion: 3,
      packages: { '': { dependencies: { '@opencode-ai/plugin': version } } },
    });
    expect(home.warnings).toEqual([expect.stringContaining("ripgrep ('rg') is not on PATH")]);
  });

  it('has no warning when rg is on PATH', async () => {
    const bin = path.join(dir, 'bin');
    await mkdir(bin);
    await writeFile(path.join(bin, 'rg'), '#!/bin/sh\n');
    await chmod(path.join(bin, 'rg'), 0o755);
    const home = await createOpencodeHome({ dir: path.join(dir, 'h'), modelUrl: 'http://x/v1', path: `/nowhere${path.delimiter}${bin}`, opencodeVersion: '9.9.9' });
    expect(home.warnings).toEqual([]);
  });
});
