import { spawn } from 'node:child_process';
import { GitCommandError } from './git-command-error.js';
import { buildGitEnv } from './git-env.js';
import { hardenedConfigArgs } from './git-hardening.js';
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
}

/** What git printed on standard output and how it exited (one of `okExitCodes`). */
export interface GitRunResult {
  stdout: string;
  exitCode: number;
}

/** Runs git with a minimal environment; the only place that spawns git on the host. */
export interface GitRunner {
  /** Runs `git <args>`; rejects with a masked {@link GitCommandError} on any other exit status. */
  run(args: readonly string[], options: GitRunOptions): Promise<GitRunResult>;
}

/** Settings of {@link createGitRunner}. */
export interface GitRunnerSettings {
  baseEnv: Readonly<Record<string, string | undefined>>;
  token: string | undefined;
  mask: SecretMasker;
  logger: WorkspaceLogger;
  /** Kill git after this many milliseconds without output. */
  timeoutMs: number;
}

/**
 * Creates the {@link GitRunner}: each command is `git <HARDENED_GIT_CONFIG as -c …> <args>`
 * spawned directly (`node:child_process`, no shell; standard input `/dev/null`) with exactly
 * {@link buildGitEnv}'s environment — nothing else of `baseEnv` reaches git; the token travels
 * only as the `GIT_CONFIG_*` header entry of commands given a `remoteUrl` ({@link httpAuthConfig}).
 * A command that prints nothing for `timeoutMs` is killed (SIGKILL) and fails with exit status
 * -1; a git that cannot be started (missing binary or `cwd`) fails with -1 and the spawn error.
 * Standard error (masked) is the failure's detail. The answer comes as soon as git exits and its
 * output is read — no fixed wait (simple-git, used before, waited 50 ms after every command that
 * printed nothing and added ≈ 14 ms of its own per command).
 */
export function createGitRunner(settings: GitRunnerSettings): GitRunner {
  const { baseEnv, token, mask, logger, timeoutMs } = settings;
  const hardened = hardenedConfigArgs();
  return {
    async run(args, options) {
      const ok = options.okExitCodes ?? [0];
      const auth = options.remoteUrl === undefined ? undefined : httpAuthConfig(options.remoteUrl, token);
      const maskedArgs = args.map(mask);
      const started = Date.now();
      const done = await spawnGit([...hardened, ...args], options.cwd, buildGitEnv(baseEnv, auth), timeoutMs);
      const failed = done.exitCode === -1 || !ok.includes(done.exitCode);
      logger({ level: 'debug', msg: failed ? 'git failed' : 'git', args: maskedArgs, cwd: options.cwd, exitCode: done.exitCode, durationMs: Date.now() - started });
      if (failed) throw new GitCommandError(maskedArgs, done.exitCode, mask((done.stderr.trim() || done.error || `git exited with ${done.exitCode}`).trim()));
      return { stdout: done.stdout, exitCode: done.exitCode };
    },
  };
}

/** One finished git process: its output, its exit status (-1: not started or killed) and why. */
interface Finished {
  stdout: string;
  stderr: string;
  exitCode: number;
  error?: string;
}

/** Spawns git and collects its output; never rejects. */
function spawnGit(argv: string[], cwd: string, env: Record<string, string>, timeoutMs: number): Promise<Finished> {
  return new Promise((resolve) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let error: string | undefined;
    let settled = false;
    const child = spawn('git', argv, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
    let timer: NodeJS.Timeout | undefined;
    const arm = () => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => {
        error = `git was killed after ${timeoutMs} ms without output`;
        child.kill('SIGKILL');
      }, timeoutMs);
      timer.unref();
    };
    arm();
    child.stdout.on('data', (chunk: Buffer) => (out.push(chunk), arm()));
    child.stderr.on('data', (chunk: Buffer) => (err.push(chunk), arm()));
    const finish = (exitCode: number) => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      const finished: Finished = { stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), exitCode };
      if (error !== undefined) finished.error = error;
      resolve(finished);
    };
    child.once('error', (e) => {
      error = `cannot run git in ${cwd}: ${e.message}`;
      finish(-1);
    });
    // 'close' comes once the process exited and its output streams ended.
    child.once('close', (code) => finish(error !== undefined || code === null ? -1 : code));
  });
}
