import { execa } from 'execa';
import type { TurnSandbox } from './turn-sandbox.js';

/** What {@link runCaptured} is asked to run. */
export interface CapturedRunOptions {
  /** The program, looked up on `env.PATH` (by the sandbox) or a path; never a shell. */
  command: string;
  args: readonly string[];
  cwd: string;
  /** The complete environment (the sandbox rewrites it as for a turn: HOME in the agent dir…). */
  env: Record<string, string>;
  /** Where it runs: the issue's turn sandbox (`AgentTurn.sandbox`), or `NO_SANDBOX`. */
  sandbox: TurnSandbox;
  /** Killed (SIGKILL; with bwrap the whole sandbox dies with it) after this many ms. */
  timeoutMs: number;
  /** Largest stdout kept, in bytes; a process printing more is killed and `problem` says so. */
  maxBytes: number;
}

/** How a captured run ended. `problem` is set when it did not run to a clean exit 0. */
export interface CapturedRun {
  /** Exit status; `null` when killed or never started. */
  exitCode: number | null;
  /** The whole standard output (empty when it did not start). */
  stdout: Buffer;
  /** Standard error, as text. */
  stderr: string;
  /** Why the run is no good: could not start, timed out, output too large, or a non-zero exit (with stderr's last line). */
  problem?: string;
}

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;

/**
 * Runs one short, non-interactive command of an agent CLI — e.g. `opencode export` — exactly where
 * the issue's turns run (`sandbox.prepare`: the same bubblewrap view, agent dir as HOME, rewritten
 * environment) and keeps its whole stdout, unlike `runProcess`, which streams a turn's output into
 * a log file. stdin is `/dev/null`. Never rejects: every failure is a `problem`.
 */
export async function runCaptured(o: CapturedRunOptions): Promise<CapturedRun> {
  const prepared = await o.sandbox.prepare(o.command, o.args, o.env, o.cwd);
  if ('startError' in prepared) {
    const why = prepared.startError.message ?? prepared.startError.code ?? 'unknown error';
    return { exitCode: null, stdout: Buffer.alloc(0), stderr: '', problem: `${o.command} could not be started: ${why}` };
  }
  const r = await execa(prepared.command, prepared.args, {
    cwd: o.cwd,
    env: prepared.env,
    extendEnv: false,
    stdin: 'ignore',
    encoding: 'buffer',
    maxBuffer: o.maxBytes,
    timeout: o.timeoutMs,
    killSignal: 'SIGKILL',
    reject: false,
    stripFinalNewline: false,
    windowsHide: true,
  });
  const stdout = Buffer.from(r.stdout ?? new Uint8Array());
  const stderr = Buffer.from(r.stderr ?? new Uint8Array())
    .toString('utf8')
    .replace(ANSI, '');
  const exitCode = typeof r.exitCode === 'number' && !r.timedOut && !r.isMaxBuffer && !r.isTerminated ? r.exitCode : null;
  const out: CapturedRun = { exitCode, stdout, stderr };
  const lastLine = stderr
    .trim()
    .split('\n')
    .filter((l) => l.trim() !== '')
    .at(-1)
    ?.trim()
    .slice(0, 500);
  if (r.timedOut) out.problem = `${o.command} ${o.args[0] ?? ''} ran longer than ${Math.round(o.timeoutMs / 1000)} s and was killed`;
  else if (r.isMaxBuffer) out.problem = `${o.command} ${o.args[0] ?? ''} printed more than ${o.maxBytes} bytes and was killed`;
  else if (r.failed && exitCode === null && r.exitCode === undefined && !r.isTerminated) out.problem = `${o.command} could not be started (${r.code ?? r.shortMessage})`;
  else if (exitCode !== 0) out.problem = `${o.command} ${o.args[0] ?? ''} exited with ${exitCode ?? `signal ${r.signal ?? 'unknown'}`}${lastLine ? `: ${lastLine}` : ''}`;
  return out;
}
