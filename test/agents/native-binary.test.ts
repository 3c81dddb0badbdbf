import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nativeBinary } from '../../src/agents/native-binary.js';
import { CLAUDE_BIN, CODEX_BIN } from './cli-agent-world.js';
import { tempDir } from './support.js';

function executable(file: string, text: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
  chmodSync(file, 0o755);
}

describe('the native binary behind an npm launcher', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let nm: string;
  const arch = process.arch === 'arm64' ? 'aarch64' : 'x86_64';
  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir('native'));
    nm = path.join(dir, 'node_modules');
    // What `npm install --ignore-scripts` leaves: a stub bin (and a Node launcher for Codex) beside the platform packages.
    executable(path.join(nm, '@anthropic-ai', 'claude-code', 'bin', 'claude.exe'), '#!/bin/sh\necho "claude: the install script did not run" >&2; exit 1\n');
    executable(path.join(nm, '@anthropic-ai', `claude-code-${process.platform}-${process.arch}`, 'claude'), '#!/bin/sh\necho native claude\n');
    executable(path.join(nm, '@openai', 'codex', 'bin', 'codex.js'), '#!/usr/bin/env node\n');
    executable(
      path.join(nm, '@openai', `codex-${process.platform}-${process.arch}`, 'vendor', `${arch}-unknown-${process.platform}-musl`, 'bin', 'codex'),
      '#!/bin/sh\necho native codex\n',
    );
    mkdirSync(path.join(nm, '.bin'));
    symlinkSync('../@anthropic-ai/claude-code/bin/claude.exe', path.join(nm, '.bin', 'claude'));
    symlinkSync('../@openai/codex/bin/codex.js', path.join(nm, '.bin', 'codex'));
  });
  afterAll(() => cleanup());

  it("a stub claude found on PATH becomes the platform package's binary; the Codex launcher becomes the native codex", async () => {
    const PATH = `${path.join(nm, '.bin')}:/usr/bin:/bin`;
    expect(await nativeBinary('claude', PATH, dir)).toBe(path.join(nm, '@anthropic-ai', `claude-code-${process.platform}-${process.arch}`, 'claude'));
    expect(await nativeBinary('codex', PATH, dir)).toBe(
      path.join(nm, '@openai', `codex-${process.platform}-${process.arch}`, 'vendor', `${arch}-unknown-${process.platform}-musl`, 'bin', 'codex'),
    );
  });

  it('anything else, or a missing program, stays as given', async () => {
    expect(await nativeBinary('sh', '/usr/bin:/bin', dir)).toBe('sh');
    expect(await nativeBinary('no-such-agent', '/usr/bin:/bin', dir)).toBe('no-such-agent');
  });

  it('the installed packages of this repository resolve to executables that are not launchers', async () => {
    expect(await nativeBinary(CLAUDE_BIN, '', dir)).toMatch(/@anthropic-ai\/claude-code(-linux-x64)?\/(bin\/claude\.exe|claude)$/);
    expect(await nativeBinary(CODEX_BIN, '', dir)).toMatch(/@openai\/codex-linux-x64\/vendor\/x86_64-unknown-linux-musl\/bin\/codex$/);
  });
});
