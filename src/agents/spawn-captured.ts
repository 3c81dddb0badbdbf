import { spawn } from 'node:child_process';

/** How {@link spawnCaptured} ended: the whole output as UTF-8 text and the exit status. */
export interface SpawnCapturedResult {
  stdout: string;
  stderr: string;
  /** Exit status; -1 when the process was killed (timeout, signal) or could not start. */
  exitCode: number;
}

/**
 * Runs `command` with `args` (no shell) in `cwd` with exactly `env`, keeps its whole stdout and
 * stderr, and resolves when it has ended and its output is closed; never rejects. stdin is
 * `/dev/null` without `input`; else `input` is written and stdin closed — a promise's text once it
 * resolves, while the process already runs (a rejection closes stdin empty). The process runs in
 * a process group of its own, which gets SIGKILL after `timeoutMs` ms. When it could not start or was killed, `stderr` says why if the
 * process printed nothing there itself.
 *
 * Plain `node:child_process` for kugetsu's short isolated git steps: execa's bookkeeping costs
 * 2–3 ms per process on this kind of machine, several times per job, on the path to the agent.
 */
export function spawnCaptured(
  command: string,
  args: readonly string[],
  options: { cwd: string; env: Record<string, string>; input?: string | Promise<string>; timeoutMs: number },
): Promise<SpawnCapturedResult> {
  return new Promise((resolve) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let settled = false;
    let timedOut = false;
    const finish = (exitCode: number, why?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const stderr = Buffer.concat(err).toString('utf8');
      resolve({ stdout: Buffer.concat(out).toString('utf8'), stderr: stderr || (exitCode === -1 && why ? why : ''), exitCode });
    };
    // Its own process group, so that a timeout kills what it started too (they hold its output open).
    const child = spawn(command, [...args], { cwd: options.cwd, env: options.env, detached: true, stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, options.timeoutMs);
    child.stdout?.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', (error) => {
      child.kill('SIGKILL');
      finish(-1, `${command} could not be run: ${error.message}`);
    });
    child.on('exit', () => {
      // Killed for its time: done, even if something outside its group still holds its output.
      if (timedOut) {
        child.stdout?.destroy();
        child.stderr?.destroy();
        finish(-1, `${command} timed out after ${options.timeoutMs} ms and was killed`);
      }
    });
    child.on('close', (code, signal) => {
      if (timedOut) finish(-1, `${command} timed out after ${options.timeoutMs} ms and was killed`);
      else if (code === null) finish(-1, `${command} was killed by ${signal ?? 'a signal'}`);
      else finish(code);
    });
    const stdin = child.stdin;
    if (stdin && options.input !== undefined) {
      // The process may exit without reading all of it (EPIPE): its status says what happened.
      stdin.on('error', () => undefined);
      if (typeof options.input === 'string') stdin.end(options.input);
      else
        options.input.then(
          (text) => stdin.end(text),
          () => stdin.end(),
        );
    }
  });
}
