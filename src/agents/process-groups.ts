import { execa } from 'execa';

const liveGroups = new Set<number>();
let exitHandlerInstalled = false;

/**
 * Sends `signal` to process group `pgid` (`process.kill(-pgid)`); a group that is already gone
 * (ESRCH) is not an error.
 */
export function killProcessGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

/**
 * Remembers a process group kugetsu started (`detached: true`, so Node does not kill it on exit)
 * until {@link untrackProcessGroup}: {@link killLiveProcessGroups} kills it when kugetsu exits.
 * Installs that function as a `process.on('exit')` handler on first use.
 */
export function trackProcessGroup(pgid: number): void {
  liveGroups.add(pgid);
  if (!exitHandlerInstalled) {
    exitHandlerInstalled = true;
    process.on('exit', killLiveProcessGroups);
  }
}

/** Forgets a process group that has ended (see {@link trackProcessGroup}). */
export function untrackProcessGroup(pgid: number): void {
  liveGroups.delete(pgid);
}

/**
 * Sends SIGKILL to every process group started by kugetsu that is still running (agent turns,
 * agent servers). Installed as a `process.on('exit')` handler on first use (`detached: true` turns
 * off Node's own kill-on-exit). Signals that end Node without a handler skip `exit` handlers: the
 * composition root should turn SIGTERM/SIGINT into `process.exit()`, or call this itself.
 */
export function killLiveProcessGroups(): void {
  for (const pgid of liveGroups) killProcessGroup(pgid, 'SIGKILL');
  liveGroups.clear();
}

/**
 * Starts `command args` (no shell) as the leader of its own process group (execa 9, `detached:
 * true`, Node's kill-on-exit off: kill it with {@link killProcessGroup}) with exactly `env`
 * (nothing inherited), stdout and stderr piped unbuffered, stdin from `stdinFile` or ignored. Never
 * rejects for the process's failures (`reject: false`); when it could not be spawned (ENOENT,
 * EACCES) its `pid` is `undefined` and the promise settles with the error (its `code`).
 */
export function spawnGroupLeader(command: string, args: readonly string[], options: { cwd: string; env: Record<string, string>; stdinFile?: string }) {
  return execa(command, args, {
    cwd: options.cwd,
    env: options.env,
    extendEnv: false,
    stdin: options.stdinFile !== undefined ? { file: options.stdinFile } : 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
    buffer: false,
    reject: false,
    detached: true,
    cleanup: false,
    windowsHide: true,
  });
}
