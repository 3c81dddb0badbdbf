import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../support/free-port.js';
import { pollUntil, withTimeout } from './poll.js';

/** `bin/kugetsu.js` (loads `dist/`: run `npm run build` before these tests). */
export const KUGETSU_BIN = fileURLToPath(new URL('../../../bin/kugetsu.js', import.meta.url));
/** The repository root, the server's working directory. */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** How a server process ended. */
export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** ms since the process was spawned. */
  atMs: number;
}

/** A `kugetsu serve` child process listening on 127.0.0.1. */
export interface ServerProcess {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  port: number;
  pid: number;
  /** Where its stdout and stderr (pino JSON lines, plus any crash text) are appended. */
  logFile: string;
  child: ChildProcess;
  /** Resolves once the process has exited (never rejects). */
  exited: Promise<ExitInfo>;
  /** True once the process has exited. */
  readonly hasExited: boolean;
  /** Sends `signal` (e.g. `SIGKILL`, `SIGTERM`) to the server process only (not its agents). */
  kill(signal: NodeJS.Signals): void;
  /** Resolves with the exit once it happened, or rejects after `timeoutMs` (the process is left alone). */
  waitExit(timeoutMs: number): Promise<ExitInfo>;
}

/**
 * The server's log as parsed JSON lines (non-JSON lines, e.g. a stack trace on stderr, are kept
 * as `{raw}`); an empty list when the file does not exist yet.
 */
export function readLogLines(logFile: string): Array<Record<string, any>> {
  if (!existsSync(logFile)) return [];
  return readFileSync(logFile, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      try {
        return JSON.parse(l) as Record<string, any>;
      } catch {
        return { raw: l };
      }
    });
}

/** The last `n` lines of a log file, for failure messages. */
export function logTail(logFile: string, n = 40): string {
  if (!existsSync(logFile)) return `(no log at ${logFile})`;
  const lines = readFileSync(logFile, 'utf8').split('\n').filter(Boolean);
  return `--- last ${Math.min(n, lines.length)} lines of ${logFile} ---\n${lines.slice(-n).join('\n')}`;
}

/**
 * Starts `node bin/kugetsu.js serve` (or `args`, e.g. `['worker']`, `['serve', '--no-worker']`) with exactly `env` (plus `PORT` and `HOST=127.0.0.1`; nothing
 * of the test runner's environment leaks in except `PATH`), its output appended to `logFile`, and
 * waits until `GET /healthz` answers 200 (or throws with the log tail when it exits first or
 * `readyTimeoutMs`, default 20 s, passes). `port` defaults to a free one.
 */
export async function startServer(options: { env: Record<string, string>; logFile: string; port?: number; readyTimeoutMs?: number; args?: string[] }): Promise<ServerProcess> {
  if (!existsSync(new URL('../../../dist/cli/main.js', import.meta.url))) {
    throw new Error('dist/ is missing: run `npm run build` before the fault tests (bin/kugetsu.js loads dist/)');
  }
  const port = options.port ?? (await freePort());
  const fd = openSync(options.logFile, 'a');
  const started = Date.now();
  let child: ChildProcess;
  try {
    child = spawn(process.execPath, [KUGETSU_BIN, ...(options.args ?? ['serve'])], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...options.env, PORT: String(port), HOST: '127.0.0.1' },
      stdio: ['ignore', fd, fd],
    });
  } finally {
    closeSync(fd); // the child has its own copy
  }
  let exitInfo: ExitInfo | undefined;
  const exited = new Promise<ExitInfo>((resolve) => {
    child.once('exit', (code, signal) => {
      exitInfo = { code, signal, atMs: Date.now() - started };
      resolve(exitInfo);
    });
    child.once('error', () => {
      exitInfo = { code: null, signal: null, atMs: Date.now() - started };
      resolve(exitInfo);
    });
  });
  const url = `http://127.0.0.1:${port}`;
  const server: ServerProcess = {
    url,
    port,
    pid: child.pid ?? -1,
    logFile: options.logFile,
    child,
    exited,
    get hasExited() {
      return exitInfo !== undefined;
    },
    kill(signal) {
      if (exitInfo === undefined) child.kill(signal);
    },
    waitExit(timeoutMs) {
      return withTimeout(exited, timeoutMs, `kugetsu serve (pid ${child.pid}) to exit\n${logTail(options.logFile)}`);
    },
  };
  try {
    await pollUntil(
      async () => {
        if (exitInfo) throw new Error(`kugetsu ${(options.args ?? ['serve']).join(' ')} exited early: ${JSON.stringify(exitInfo)}`);
        const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) });
        return res.status === 200;
      },
      { timeoutMs: options.readyTimeoutMs ?? 20_000, intervalMs: 50, what: `GET ${url}/healthz → 200`, diagnose: () => logTail(options.logFile) },
    );
  } catch (err) {
    server.kill('SIGKILL');
    throw err;
  }
  return server;
}

/**
 * Sends SIGTERM and awaits the exit (rejects after `timeoutMs`, then SIGKILLs so nothing is left
 * running). Returns the exit and how long it took from the signal.
 */
export async function terminate(server: ServerProcess, timeoutMs: number): Promise<ExitInfo & { tookMs: number }> {
  const t0 = Date.now();
  server.kill('SIGTERM');
  try {
    const exit = await server.waitExit(timeoutMs);
    return { ...exit, tookMs: Date.now() - t0 };
  } catch (err) {
    server.kill('SIGKILL');
    throw err;
  }
}

/** Best-effort teardown: SIGKILLs the server if it still runs and waits (bounded) for its exit. */
export async function ensureStopped(server: ServerProcess | undefined): Promise<void> {
  if (!server || server.hasExited) return;
  server.kill('SIGKILL');
  await server.waitExit(5_000).catch(() => undefined);
}
