import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import path from 'node:path';
import { resolveProgram } from './resolve-program.js';

/**
 * npm packages whose `bin` is a small launcher (a stub that an install script replaces, or a Node
 * script that spawns a native binary) with the real binary in a platform package beside it:
 * `@anthropic-ai/claude-code` 2.1.x (`bin/claude.exe`, a stub until its postinstall links
 * `@anthropic-ai/claude-code-linux-x64/claude`) and `@openai/codex` 0.169 (`bin/codex.js`, which spawns
 * `@openai/codex-linux-x64/vendor/<target>/bin/codex`). Facts read from the installed packages.
 */
const LAUNCHERS: Array<{ launcher: string; native: (nodeModules: string) => string }> = [
  {
    launcher: path.join('@anthropic-ai', 'claude-code', 'bin', 'claude.exe'),
    native: (nm) => path.join(nm, '@anthropic-ai', `claude-code-${process.platform}-${process.arch}`, 'claude'),
  },
  {
    launcher: path.join('@openai', 'codex', 'bin', 'codex.js'),
    native: (nm) =>
      path.join(
        nm,
        '@openai',
        `codex-${process.platform}-${process.arch}`,
        'vendor',
        `${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-unknown-${process.platform}-musl`,
        'bin',
        'codex',
      ),
  },
];

/** A launcher smaller than this is a stub, not the real binary (the real ones are hundreds of MB). */
const STUB_BYTES = 1024 * 1024;

/**
 * The program to run for `bin` (a name on `pathVariable` or a path): when it resolves to one of
 * the npm launchers above and the platform package's native binary exists and is executable, that
 * binary — so that a stub `claude` (install scripts not run) still works, and Codex runs without
 * the Node launcher in between (one process to kill). Otherwise `bin` unchanged (a missing program
 * is reported by the process runner as usual). Never throws.
 */
export async function nativeBinary(bin: string, pathVariable: string, cwd: string): Promise<string> {
  const found = await resolveProgram(bin, pathVariable, cwd).catch(() => undefined);
  if (!found || 'code' in found) return bin;
  for (const { launcher, native } of LAUNCHERS) {
    if (!found.realPath.endsWith(path.sep + launcher)) continue;
    const size = await stat(found.realPath).then(
      (s) => s.size,
      () => 0,
    );
    if (launcher.endsWith('.exe') && size >= STUB_BYTES) return found.realPath;
    const nodeModules = found.realPath.slice(0, found.realPath.length - launcher.length - 1);
    const candidate = native(nodeModules);
    if (
      await access(candidate, constants.X_OK).then(
        () => true,
        () => false,
      )
    )
      return candidate;
  }
  return bin;
}
