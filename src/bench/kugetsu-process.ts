import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

/** `bin/kugetsu.js` of this checkout (it loads `dist/`, which the benchmark runs from). */
const KUGETSU_BIN = fileURLToPath(new URL('../../bin/kugetsu.js', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A real `kugetsu` process (`serve --no-worker`, `worker`…) the benchmark started on 127.0.0.1. */
export interface KugetsuProcess {
  /** A name for logs and reports (`ingress`, `w1`…). */
  name: string;
  /** `http://127.0.0.1:<port>`: its webhook door, or a worker's `/healthz`. */
  url: string;
  pid: number;
  /** Where its stdout and stderr (pino JSON lines) go. */
  logFile: string;
  readonly hasExited: boolean;
  /** Sends `signal` to this process only (its agents, in process groups of their own, are not touched). */
  kill(signal: NodeJS.Signals): void;
  /** Resolves once it exited; SIGKILLs it after `timeoutMs` (ms) and then waits for that. */
  waitExit(timeoutMs: number): Promise<void>;
  /** SIGTERM (a graceful stop: running agents get `KUGETSU_SHUTDOWN_GRACE_S`), then {@link waitExit}. */
  terminate(timeoutMs: number): Promise<void>;
  /** The last `n` lines of its log, for error messages. */
  logTail(n?: number): string;
}

/**
 * Starts `node [nodeArgs] bin/kugetsu.js <args>` with exactly `env` (plus `PATH`, `PORT` = a free port and
 * `HOST=127.0.0.1`), its output appended to `logFile`, and waits until `GET /healthz` answers 200
 * (at most `readyTimeoutMs`, default 30 000 ms). Throws with the log's tail when it exits first or
 * does not get ready in time (then it is SIGKILLed).
 */
export async function startKugetsu(options: {
  name: string;
  args: string[];
  nodeArgs?: string[];
  env: Record<string, string>;
  logFile: string;
  readyTimeoutMs?: number;
}): Promise<KugetsuProcess> {
  const port = await freePort();
  const fd = openSync(options.logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(process.execPath, [...(options.nodeArgs ?? []), KUGETSU_BIN, ...options.args], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...options.env, PORT: String(port), HOST: '127.0.0.1' },
      stdio: ['ignore', fd, fd],
    });
  } finally {
    closeSync(fd);
  }
  let exited = false;
  const exit = new Promise<void>((resolve) => {
    child.once('exit', () => ((exited = true), resolve()));
    child.once('error', () => ((exited = true), resolve()));
  });
  const logTail = (n = 20) => (existsSync(options.logFile) ? readFileSync(options.logFile, 'utf8').split('\n').filter(Boolean).slice(-n).join('\n') : '(no log)');
  const waitExit = async (timeoutMs: number) => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), timeoutMs)));
    try {
      if ((await Promise.race([exit, late])) === 'late') {
        child.kill('SIGKILL');
        await exit;
      }
    } finally {
      clearTimeout(timer);
    }
  };
  const proc: KugetsuProcess = {
    name: options.name,
    url: `http://127.0.0.1:${port}`,
    pid: child.pid ?? -1,
    logFile: options.logFile,
    get hasExited() {
      return exited;
    },
    kill: (signal) => void (exited || child.kill(signal)),
    waitExit,
    async terminate(timeoutMs) {
      proc.kill('SIGTERM');
      await waitExit(timeoutMs);
    },
    logTail,
  };
  const deadline = Date.now() + (options.readyTimeoutMs ?? 30_000);
  for (;;) {
    if (exited) throw new Error(`kugetsu ${options.args.join(' ')} (${options.name}) exited before it was ready:\n${logTail()}`);
    const ok = await fetch(`${proc.url}/healthz`, { signal: AbortSignal.timeout(1_000) }).then(
      (res) => res.status === 200,
      () => false,
    );
    if (ok) return proc;
    if (Date.now() > deadline) {
      await waitExit(0);
      throw new Error(`kugetsu ${options.args.join(' ')} (${options.name}) not ready after ${options.readyTimeoutMs ?? 30_000} ms:\n${logTail()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A TCP port of 127.0.0.1 that was free a moment ago. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
