import { dirname } from 'node:path';
import { GitCommandError } from './git-command-error.js';
import { hardenedConfigArgs } from './git-hardening.js';
import type { SecretMasker } from './secret-masker.js';
import type { WorkspaceLogger } from './workspace-logger.js';

/**
 * Runs one command with a limited view of the host: `rw` and `ro` paths shown at their own place
 * and nothing else of the state dir (kugetsu's agent sandbox, `AgentSandbox.run`, fits). With the
 * sandbox off it runs the command directly. Resolves with the exit status, never rejects.
 */
export interface IsolatedRunner {
  run(options: {
    argv: readonly string[];
    cwd: string;
    rw: readonly string[];
    ro: readonly string[];
    env: Record<string, string>;
    /** Standard input; a promise's text is written when it resolves (it must never reject). */
    input?: string | Promise<string>;
    timeoutMs: number;
  }): Promise<{ stdout: string; stderr: string; exitCode: number }>;
}

/** Where an issue repository is and what it may see. */
export interface IssueRepoView {
  /** The issue's worktree; its `.git` directory is the issue repository (agent-writable). */
  worktree: string;
  /** The shared clone's `objects` directory the repository borrows from (read-only). */
  objects: string;
  /** A kugetsu-owned directory shown read-write too (e.g. where a bundle is written). */
  scratch?: string;
  /** The shared clone, shown read-only too (its `objects` are always), for a step that reads its refs. */
  clone?: string;
}

/** git in one issue repository (see {@link issueRepoGit}). */
export interface IssueRepoGit {
  /** `git <hardened -c …> <args>` in the worktree; the stdout, or a masked `GitCommandError` on an exit status not in `okExitCodes` (default `[0]`). */
  run(args: readonly string[], options?: { okExitCodes?: readonly number[]; input?: string }): Promise<{ stdout: string; exitCode: number }>;
  /**
   * `sh -c <script> sh <args…> <issueGitConfigArgs()…>` in the worktree with the same view and
   * environment (for steps git has no command for, and for several git steps in one isolated
   * process: the script's own git commands run as `git "$@" …` after it shifted its arguments).
   * Resolves with the script's standard output and error; a masked `GitCommandError` (args
   * `['(sh)', label]`) on a non-zero exit status.
   */
  sh(script: string, args: readonly string[], options?: { input?: string | Promise<string>; label?: string }): Promise<{ stdout: string; stderr: string }>;
}

/**
 * The `-c` settings of every git command kugetsu runs in an issue repository:
 * {@link hardenedConfigArgs} (no hooks, fsmonitor, credential helpers, ssh/proxy/editor/pager
 * programs) and `protocol.allow=never` (no transport at all, not even `file://`).
 */
export function issueGitConfigArgs(): string[] {
  return [...hardenedConfigArgs(), '-c', 'protocol.allow=never'];
}

/**
 * git for kugetsu's own steps in an issue repository — a repository the agent could write to. Each
 * command runs through `runner` (inside the sandbox: no network, only the worktree, `objects`
 * read-only, `scratch`, and the shared clone read-only when the view names it), with an empty environment (`PATH` from `basePath`, `LANG=C`, `HOME` a
 * path that does not exist, `GIT_CONFIG_NOSYSTEM=1`, `GIT_CONFIG_GLOBAL=/dev/null`,
 * `GIT_TERMINAL_PROMPT=0`, `GIT_CEILING_DIRECTORIES` = the worktree's parent: no token, no user or
 * system configuration, no repository found above the worktree) and the hardened `-c`
 * settings ({@link issueGitConfigArgs}: no hooks, fsmonitor, credential helpers…, `protocol.allow=never`). Output is masked
 * with `mask` in errors and logs.
 */
export function issueRepoGit(
  runner: IsolatedRunner,
  view: IssueRepoView,
  settings: { basePath: string; mask: SecretMasker; logger: WorkspaceLogger; timeoutMs: number },
): IssueRepoGit {
  const env = {
    PATH: settings.basePath,
    LANG: 'C',
    LC_ALL: 'C',
    HOME: '/nonexistent/kugetsu-home',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    // Never look above the worktree for a repository (without the sandbox, a state dir inside a
    // checkout would otherwise be found when an agent removed .git).
    GIT_CEILING_DIRECTORIES: dirname(view.worktree),
  };
  const rw = [view.worktree, ...(view.scratch ? [view.scratch] : [])];
  const ro = [...(view.clone ? [view.clone] : []), view.objects];
  const exec = async (argv: string[], input: string | Promise<string> | undefined, ok: readonly number[], shown: readonly string[]) => {
    const started = Date.now();
    const r = await runner.run({ argv, cwd: view.worktree, rw, ro, env, timeoutMs: settings.timeoutMs, ...(input !== undefined ? { input } : {}) });
    const maskedArgs = shown.map(settings.mask);
    settings.logger({ level: 'debug', msg: 'git (issue repository)', args: maskedArgs, cwd: view.worktree, exitCode: r.exitCode, durationMs: Date.now() - started });
    if (!ok.includes(r.exitCode)) throw new GitCommandError(maskedArgs, r.exitCode, settings.mask(r.stderr.trim()));
    return r;
  };
  return {
    async run(args, options = {}) {
      const r = await exec(['git', ...issueGitConfigArgs(), ...args], options.input, options.okExitCodes ?? [0], args);
      return { stdout: r.stdout, exitCode: r.exitCode };
    },
    async sh(script, args, options = {}) {
      const r = await exec(['/bin/sh', '-c', script, 'sh', ...args, ...issueGitConfigArgs()], options.input, [0], ['(sh)', options.label ?? 'script']);
      return { stdout: r.stdout, stderr: r.stderr };
    },
  };
}
