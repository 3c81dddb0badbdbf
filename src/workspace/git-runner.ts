import { GitPluginError, simpleGit } from 'simple-git';
import { GitCommandError } from './git-command-error.js';
import { ALLOWED_GIT_ENV, buildGitEnv } from './git-env.js';
import { HARDENED_GIT_CONFIG } from './git-hardening.js';
import { httpAuthConfig } from './http-auth-config.js';
import type { SecretMasker } from './secret-masker.js';
import type { WorkspaceLogger } from './workspace-options.js';

/** How to run one git command. */
export interface GitRunOptions {
  /** Working directory (must exist): a shared clone or a worktree. */
  cwd: string;
  /**
   * Set for commands that talk to the remote (clone, fetch, push): the remote's URL, used to
   * decide whether the token is sent and to which origin.
   */
  remoteUrl?: string;
  /** Exit statuses that count as an answer rather than a failure. Default `[0]`. */
  okExitCodes?: readonly number[];
  /** Written to git's standard input (e.g. the transaction of `update-ref --stdin`). */
  input?: string;
}

/** What git printed on standard output and how it exited (one of `okExitCodes`). */
export interface GitRunResult {
  stdout: string;
  exitCode: number;
}

/** Runs git through simple-git with a minimal environment; the only place that spawns git. */
export interface GitRunner {
  /** Runs `git <args>`; rejects with a masked {@link GitCommandError} on any other exit status. */
  run(args: readonly string[], options: GitRunOptions): Promise<GitRunResult>;
}

/** Settings of {@link createGitRunner}. */
export interface GitRunnerSettings {
  baseEnv: Readonly<Record<string, string | undefined>>;
  /** Only remotes of this origin get the token (see `WorkspaceOptions.tokenOrigin`). */
  tokenOrigin?: string | undefined;
  token: string | undefined;
  mask: SecretMasker;
  logger: WorkspaceLogger;
  /** Kill git after this many milliseconds without output. */
  timeoutMs: number;
}

/**
 * Creates the {@link GitRunner}. Each command gets a fresh simple-git instance whose env is exactly
 * {@link buildGitEnv}'s; simple-git's environment guard lets through only the variables in
 * {@link ALLOWED_GIT_ENV}, and its `unsafe.allowUnsafeConfigEnvCount` switch (simple-git 4,
 * `@simple-git/argv-parser` category for `GIT_CONFIG_COUNT`) is turned on only for commands that
 * carry the token header — the narrowest switch that permits `GIT_CONFIG_COUNT`. Every command
 * also gets {@link HARDENED_GIT_CONFIG} as `-c` settings (no hooks, fsmonitor, credential helpers,
 * ssh/proxy/editor/pager programs), for which simple-git's guards of exactly those keys are
 * switched off: kugetsu sets them to values that run nothing.
 */
export function createGitRunner(settings: GitRunnerSettings): GitRunner {
  const { baseEnv, token, mask, logger, timeoutMs, tokenOrigin } = settings;
  return {
    async run(args, options) {
      const ok = options.okExitCodes ?? [0];
      const auth = options.remoteUrl === undefined ? undefined : httpAuthConfig(options.remoteUrl, token, tokenOrigin);
      const maskedArgs = args.map(mask);
      let exitCode = -1;
      let failure: GitCommandError | undefined;
      const started = Date.now();
      try {
        const git = simpleGit({
          baseDir: options.cwd,
          allowEnvironment: [...ALLOWED_GIT_ENV],
          config: [...HARDENED_GIT_CONFIG],
          unsafe: {
            ...(auth ? { allowUnsafeConfigEnvCount: true } : {}),
            allowUnsafeHooksPath: true,
            allowUnsafeFsMonitor: true,
            allowUnsafeCredentialHelper: true,
            allowUnsafeAskPass: true,
            allowUnsafeSshCommand: true,
            allowUnsafeGitProxy: true,
            allowUnsafeEditor: true,
            allowUnsafePager: true,
          },
          timeout: { block: timeoutMs },
          ...(options.input !== undefined ? { input: () => options.input } : {}),
          errors(error, result) {
            exitCode = result.exitCode;
            if (ok.includes(result.exitCode) && !isKill(error)) return undefined;
            const stderr = Buffer.concat(result.stdErr).toString('utf8');
            const detail = stderr.trim() || (error instanceof Error ? error.message : String(error ?? ''));
            const code = isKill(error) ? -1 : result.exitCode;
            failure = new GitCommandError(maskedArgs, code, mask(detail.trim()));
            return failure;
          },
        });
        const stdout = await git.env(buildGitEnv(baseEnv, auth)).raw([...args]);
        logger({ level: 'debug', msg: 'git', args: maskedArgs, cwd: options.cwd, exitCode, durationMs: Date.now() - started });
        return { stdout, exitCode };
      } catch (error) {
        logger({ level: 'debug', msg: 'git failed', args: maskedArgs, cwd: options.cwd, exitCode, durationMs: Date.now() - started });
        if (failure) throw failure;
        const message = error instanceof Error ? error.message : String(error);
        throw new GitCommandError(maskedArgs, -1, mask(message));
      }
    },
  };
}

/** simple-git reports a timeout or abort as a plugin error, not as an exit status. */
function isKill(error: unknown): boolean {
  return error instanceof GitPluginError && (error.plugin === 'timeout' || error.plugin === 'abort');
}
