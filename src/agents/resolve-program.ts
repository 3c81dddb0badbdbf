import { constants } from 'node:fs';
import { access, realpath, stat } from 'node:fs/promises';
import path from 'node:path';

/** Where a program the sandbox must run lives on the host. */
export interface ResolvedProgram {
  /** The real path (symlinks resolved): what the sandbox executes. */
  realPath: string;
  /**
   * What to show read-only so that it runs: the outermost `node_modules` directory above
   * {@link realPath} for an npm-installed CLI (its platform packages and dependencies live beside
   * it, e.g. `opencode-ai` and `opencode-linux-x64`), else the file itself.
   */
  showPath: string;
}

/**
 * Finds `program` as execvp(3) would — a path when it contains `/` (relative to `cwd`), else the
 * first executable regular file named so in an absolute directory of `pathVariable` — and
 * resolves symlinks. Returns `{ code: 'ENOENT' }` when nothing is found and `{ code: 'EACCES' }`
 * when the file exists but is not executable (the codes spawn(2) would give).
 */
export async function resolveProgram(program: string, pathVariable: string, cwd: string): Promise<ResolvedProgram | { code: 'ENOENT' | 'EACCES' }> {
  const candidates = program.includes('/')
    ? [path.resolve(cwd, program)]
    : pathVariable
        .split(path.delimiter)
        .filter((d) => path.isAbsolute(d))
        .map((d) => path.join(d, program));
  let sawFile = false;
  for (const file of candidates) {
    const s = await stat(file).catch(() => undefined);
    if (!s?.isFile()) continue;
    sawFile = true;
    if (
      !(await access(file, constants.X_OK).then(
        () => true,
        () => false,
      ))
    )
      continue;
    const realPath = await realpath(file);
    const parts = realPath.split(path.sep);
    const nm = parts.indexOf('node_modules');
    const showPath = nm > 0 ? parts.slice(0, nm + 1).join(path.sep) : realPath;
    return { realPath, showPath };
  }
  return { code: sawFile ? 'EACCES' : 'ENOENT' };
}
