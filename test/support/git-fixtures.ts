/**
 * Real git repositories for tests: a bare "origin" per test in a temp dir, and helpers to make
 * commits on it as a third party would. Runs the `git` binary directly (tests only; the product
 * goes through src/workspace/), with a minimal environment and a fixed identity.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const GIT_ENV: Record<string, string> = {
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  HOME: tmpdir(),
  LANG: 'C',
  LC_ALL: 'C',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_TERMINAL_PROMPT: '0',
  GIT_AUTHOR_NAME: 'Upstream Dev',
  GIT_AUTHOR_EMAIL: 'dev@example.test',
  GIT_COMMITTER_NAME: 'Upstream Dev',
  GIT_COMMITTER_EMAIL: 'dev@example.test',
};

/** Runs `git <args>` in `cwd` and returns its trimmed stdout; throws with stderr on failure. */
export function git(cwd: string, args: readonly string[]): string {
  return execFileSync('git', args, { cwd, env: GIT_ENV, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/** A new empty temp directory (absolute path); remove it with {@link removeDir}. */
export function makeTempDir(prefix = 'kugetsu-git-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Deletes a directory tree; ignores a missing one. */
export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Options of {@link createBareOrigin}. */
export interface OriginOptions {
  /** Default branch of the origin. Default `main`. */
  branch?: string;
  /** Extra generated files `files/f-<i>.txt` in the first commit (for "big repo" cases). Default 0. */
  files?: number;
}

/**
 * Creates `<root>/origin.git`, a bare repository whose `branch` (default `main`) has one commit
 * with `README.md` (and optionally many generated files). Returns the bare repository's path.
 */
export function createBareOrigin(root: string, options: OriginOptions = {}): string {
  const branch = options.branch ?? 'main';
  const seed = join(root, 'seed');
  mkdirSync(seed, { recursive: true });
  git(seed, ['init', '--quiet', `--initial-branch=${branch}`]);
  writeFileSync(join(seed, 'README.md'), '# fixture\n');
  for (let i = 0; i < (options.files ?? 0); i++) {
    const file = join(seed, 'files', `f-${i}.txt`);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `file ${i}\n`);
  }
  git(seed, ['add', '--all']);
  git(seed, ['commit', '--quiet', '-m', 'initial commit']);
  const origin = join(root, 'origin.git');
  git(root, ['clone', '--quiet', '--bare', '--', seed, origin]);
  removeDir(seed);
  return origin;
}

/**
 * Commits `files` (path → content) on `branch` of the bare `origin` as an upstream developer would
 * (clone, commit, push), creating the branch from `from` (default `main`) when it does not exist.
 * Returns the new commit's sha.
 */
export function pushUpstreamCommit(origin: string, files: Record<string, string>, options: { branch?: string; from?: string; message?: string } = {}): string {
  const branch = options.branch ?? 'main';
  const scratch = makeTempDir('kugetsu-upstream-');
  try {
    git(scratch, ['clone', '--quiet', '--', origin, 'w']);
    const work = join(scratch, 'w');
    const exists = git(work, ['ls-remote', '--heads', 'origin', `refs/heads/${branch}`]) !== '';
    git(work, ['checkout', '--quiet', '-B', branch, exists ? `origin/${branch}` : `origin/${options.from ?? 'main'}`]);
    for (const [name, content] of Object.entries(files)) {
      mkdirSync(dirname(join(work, name)), { recursive: true });
      writeFileSync(join(work, name), content);
    }
    git(work, ['add', '--all']);
    git(work, ['commit', '--quiet', '-m', options.message ?? 'upstream change']);
    git(work, ['push', '--quiet', 'origin', `HEAD:refs/heads/${branch}`]);
    return git(work, ['rev-parse', 'HEAD']);
  } finally {
    removeDir(scratch);
  }
}
