import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { OutputTail, type OutputTailLimits } from './output-tail.js';
import { explainBwrapFailure } from './sandbox-probe.js';
import type { TurnSandbox } from './turn-sandbox.js';
import { killProcessGroup, spawnGroupLeader, trackProcessGroup, untrackProcessGroup } from './process-groups.js';

/** What {@link runProcess} is asked to run. */
export interface RunProcessOptions {
  /** The program: a name looked up on `env.PATH`, or a path. Never run through a shell. */
  command: string;
  /** Its arguments, passed as they are (data, no shell, no globbing). */
  args: readonly string[];
  /** Working directory; must exist (else a `startError`). */
  cwd: string;
  /** The complete environment of the process (`extendEnv: false`: nothing is inherited). */
  env: Record<string, string>;
  /** File that receives combined stdout+stderr, appended as it arrives; its directory is created. */
  logFile: string;
  /**
   * Applied to the output before it reaches the log file, line by line (so a secret split across
   * two chunks is still caught); e.g. kugetsu's redactor, which masks the Gitea token.
   */
  redact?: (text: string) => string;
  /**
   * Receives the text written to `logFile` (after `redact`), as it is written; output is decoded as
   * UTF-8 per stream, so a character split across chunks arrives whole. A throw is ignored.
   */
  onOutput?: (text: string) => void;
  /** Hard limit in ms; on expiry the process group gets SIGTERM, then SIGKILL after {@link killGraceMs}. */
  timeoutMs: number;
  /** Aborting kills the process group like a timeout does, and sets `canceled`. */
  signal?: AbortSignal;
  /** Time in ms between SIGTERM and SIGKILL to the group. Default 5000. */
  killGraceMs?: number;
  /** A file to use as stdin (read to EOF by the process). Default: stdin is ignored (`/dev/null`). */
  stdinFile?: string;
  /** Bounds of {@link ProcessOutcome.outputTail}. Default 40 lines / 4096 bytes. */
  tail?: OutputTailLimits;
  /** Receives every complete output line (stdout and stderr), for streaming consumers. */
  onLine?: (line: string) => void;
  /** What to tell the user when the binary is missing. Default: `set KUGETSU_AGENT_COMMAND`. */
  missingBinaryHint?: string;
  /**
   * Where the command runs: the turn's sandbox (`AgentTurn.sandbox`), which wraps it (bwrap), or
   * `NO_SANDBOX`. Required, so that no adapter can run an agent outside it by forgetting it.
   */
  sandbox: TurnSandbox;
}

/** How a process run ended. Never an exception for process failures. */
export interface ProcessOutcome {
  /** Exit code; `null` when a signal ended the process or it never started. */
  exitCode: number | null;
  /** The signal that ended the process (e.g. `"SIGKILL"`), or `null`. */
  signal: string | null;
  /** True when `timeoutMs` expired and the group was killed. */
  timedOut: boolean;
  /** True when `signal` aborted (before or during the run). */
  canceled: boolean;
  /** Wall-clock ms from the call to settlement. */
  durationMs: number;
  /** Last output lines (bounded, see {@link RunProcessOptions.tail}). */
  outputTail: string;
  /** Pid of the process (also its process group id), when it started. */
  pid?: number;
  /** Set when the process could not be started, with what to do about it. */
  startError?: string;
}

function startErrorText(code: string | undefined, command: string, cwd: string, hint: string): string {
  switch (code) {
    case 'ENOENT':
      return `agent binary '${command}' not found on PATH; install it or ${hint}`;
    case 'EACCES':
      return `agent binary '${command}' is not executable (EACCES); fix its permissions or ${hint}`;
    default:
      return `agent '${command}' could not be started in ${cwd} (${code ?? 'unknown error'}); check the command or ${hint}`;
  }
}

function redactText(redact: ((text: string) => string) | undefined, text: string): string {
  return redact ? redact(text) : text;
}

function openLog(file: string): Promise<WriteStream> {
  return new Promise((resolve, reject) => {
    const s = createWriteStream(file, { flags: 'a' });
    s.once('open', () => resolve(s));
    s.once('error', reject);
  });
}

/**
 * Runs one command as the leader of its own process group (execa 9, `detached: true`) and settles
 * when it has ended — also when a grandchild keeps stdout/stderr open, or it ignores SIGTERM.
 * The command first goes through `options.sandbox`: with bwrap the group leader is bwrap, and
 * killing it ends the sandbox's whole PID namespace (`--die-with-parent`), also processes that
 * left the group with setsid(2).
 *
 * - On timeout or abort: SIGTERM to the whole group (`process.kill(-pid)`), SIGKILL after
 *   `killGraceMs`. (execa's own `timeout`/`cancelSignal` would kill only the direct child.)
 * - After the leader exits, leftovers in its group get SIGTERM (SIGKILL after the grace period if
 *   the pipes are still open); pipes still held by a process that left the group are then destroyed.
 * - Spawn failures (missing binary, EACCES, missing cwd) resolve with `startError`.
 *
 * Rejects only for kugetsu's own faults: an unwritable `logFile`.
 */
export async function runProcess(options: RunProcessOptions): Promise<ProcessOutcome> {
  const started = Date.now();
  const graceMs = options.killGraceMs ?? 5000;
  const hint = options.missingBinaryHint ?? 'set KUGETSU_AGENT_COMMAND';
  const tail = new OutputTail(options.tail, options.onLine);
  const base = { timedOut: false, canceled: false, signal: null, exitCode: null };
  const done = (o: Partial<ProcessOutcome>): ProcessOutcome => ({ ...base, ...o, durationMs: Date.now() - started, outputTail: tail.toString() });

  if (options.signal?.aborted) return done({ canceled: true });
  const cwdOk = await stat(options.cwd).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (!cwdOk) return done({ startError: `working directory ${options.cwd} does not exist or is not a directory` });

  const prepared = await options.sandbox.prepare(options.command, options.args, options.env, options.cwd);
  if ('startError' in prepared) {
    const { code, message } = prepared.startError;
    return done({ startError: message !== undefined ? `the agent could not be started: ${message}` : startErrorText(code, options.command, options.cwd, hint) });
  }

  await mkdir(path.dirname(options.logFile), { recursive: true });
  const log = await openLog(options.logFile);

  const sub = spawnGroupLeader(prepared.command, prepared.args, {
    cwd: options.cwd,
    env: prepared.env,
    ...(options.stdinFile !== undefined ? { stdinFile: options.stdinFile } : {}),
  });
  const result = sub.then(
    (r) => r,
    (e: unknown) => e as { code?: string },
  );

  const pid = sub.pid;
  if (pid === undefined) {
    const r = (await result) as { code?: string };
    log.end();
    return done({ startError: startErrorText(r.code, options.command, options.cwd, hint) });
  }
  trackProcessGroup(pid);

  let timedOut = false;
  let canceled = false;
  let leaderExited = false;
  const timers: NodeJS.Timeout[] = [];
  let terminating = false;
  const terminate = (): void => {
    if (terminating) return;
    terminating = true;
    killProcessGroup(pid, 'SIGTERM');
    timers.push(setTimeout(() => killProcessGroup(pid, 'SIGKILL'), graceMs));
  };

  const streams = [sub.stdout, sub.stderr].filter((s): s is Readable => s !== null && s !== undefined);
  const redact = options.redact;
  const onOutput = options.onOutput;
  const tell = (text: string): void => {
    if (!onOutput || text === '') return;
    try {
      onOutput(text);
    } catch {
      // The consumer's failure is its own; the log file has the output.
    }
  };
  // bwrap reports its own failures as `bwrap: …` on stderr before the command starts.
  let stderrHead = '';
  const streamsClosed = Promise.all(
    streams.map((s, i) => {
      const name = i === 0 ? 'stdout' : 'stderr';
      // With a redactor, whole lines are written (a line over 64 KiB is flushed as it is).
      let pending = '';
      const decoder = new StringDecoder('utf8');
      const flush = (all: boolean): void => {
        const cut = all ? pending.length : pending.lastIndexOf('\n') + 1 || (pending.length > 65_536 ? pending.length : 0);
        if (cut === 0) return;
        const text = redact!(pending.slice(0, cut));
        log.write(text);
        tell(text);
        pending = pending.slice(cut);
      };
      s.on('data', (chunk: Buffer | string) => {
        if (name === 'stderr' && stderrHead.length < 1000) stderrHead += chunk.toString();
        if (redact) {
          pending += typeof chunk === 'string' ? chunk : decoder.write(chunk);
          flush(false);
        } else {
          log.write(chunk);
          if (onOutput) tell(typeof chunk === 'string' ? chunk : decoder.write(chunk));
        }
        tail.push(name, chunk);
      });
      return new Promise<void>((resolve) => {
        const done = (): void => {
          if (redact) {
            pending += decoder.end();
            flush(true);
          } else {
            tell(decoder.end());
          }
          resolve();
        };
        s.once('close', done);
        s.once('error', done);
      });
    }),
  );

  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    sub.once('exit', (code, signal) => resolve({ code, signal }));
  });

  timers.push(
    setTimeout(() => {
      if (leaderExited) return;
      timedOut = true;
      terminate();
    }, options.timeoutMs),
  );
  const onAbort = (): void => {
    if (leaderExited) return;
    canceled = true;
    terminate();
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) onAbort(); // aborted while the log file was being opened

  const exit = await exited;
  leaderExited = true;
  // The turn is over: whatever is left of the process group goes too.
  killProcessGroup(pid, 'SIGTERM');
  const sleep = (ms: number): Promise<'timeout'> =>
    new Promise((resolve) => {
      timers.push(setTimeout(() => resolve('timeout'), ms));
    });
  if ((await Promise.race([streamsClosed, sleep(graceMs)])) === 'timeout') {
    killProcessGroup(pid, 'SIGKILL');
    if ((await Promise.race([streamsClosed, sleep(500)])) === 'timeout') {
      // Held open by a process outside the group (e.g. it called setsid): stop reading.
      for (const s of streams) s.destroy();
    }
  }

  for (const t of timers) clearTimeout(t);
  options.signal?.removeEventListener('abort', onAbort);
  untrackProcessGroup(pid);
  tail.flush();
  await new Promise<void>((resolve) => log.end(() => resolve()));
  void result;
  const firstLine = stderrHead.split('\n')[0] ?? '';
  if (options.sandbox.mode === 'bwrap' && exit.code === 1 && firstLine.startsWith('bwrap: ')) {
    const why = redactText(options.redact, firstLine);
    return done({ pid, exitCode: exit.code, signal: exit.signal, timedOut, canceled, startError: `the sandbox could not start the agent (${why}); ${explainBwrapFailure(why)}` });
  }
  return done({ pid, exitCode: exit.code, signal: exit.signal, timedOut, canceled });
}
