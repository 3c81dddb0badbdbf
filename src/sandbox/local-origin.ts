import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const GIT_ENV = {
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  HOME: '/nonexistent',
  LANG: 'C',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_TERMINAL_PROMPT: '0',
  GIT_AUTHOR_NAME: 'Sandbox',
  GIT_AUTHOR_EMAIL: 'sandbox@localhost',
  GIT_COMMITTER_NAME: 'Sandbox',
  GIT_COMMITTER_EMAIL: 'sandbox@localhost',
};

/** Runs git for the sandbox (never for user repositories: those go through `src/workspace/`). */
export function sandboxGit(cwd: string, args: string[]): string {
  return execFileSync('git', args, { cwd, env: GIT_ENV, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/**
 * Creates `<dir>/origin.git`, a bare repository with one commit on `main` (a README and a tiny
 * program), standing in for the repository a real Gitea would serve. Returns its absolute path.
 */
export function createLocalOrigin(dir: string): string {
  const seed = path.join(dir, 'origin-seed');
  mkdirSync(seed, { recursive: true });
  sandboxGit(seed, ['init', '--quiet', '--initial-branch=main']);
  writeFileSync(path.join(seed, 'README.md'), '# hello\n\nA tiny project for the kugetsu demo.\n');
  writeFileSync(path.join(seed, 'main.js'), "console.log('hello');\n");
  sandboxGit(seed, ['add', '--all']);
  sandboxGit(seed, ['commit', '--quiet', '-m', 'Initial commit']);
  const origin = path.join(dir, 'origin.git');
  sandboxGit(dir, ['clone', '--quiet', '--bare', '--', seed, origin]);
  return origin;
}
