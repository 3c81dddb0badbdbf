import type { RunProcessOptions } from './run-process.js';
import type { AgentTurn } from './types.js';

/**
 * The part of {@link RunProcessOptions} every adapter takes from its turn as it is: the worktree as
 * working directory, the log file and its redactor, the output listener, the timeout (ms), the
 * cancel signal and the sandbox. Adapters add the program, its arguments, its environment and how
 * they read its output.
 */
export function turnProcess(turn: AgentTurn): Pick<RunProcessOptions, 'cwd' | 'logFile' | 'redact' | 'onOutput' | 'timeoutMs' | 'signal' | 'sandbox'> {
  return {
    cwd: turn.worktree,
    logFile: turn.logFile,
    ...(turn.redact ? { redact: turn.redact } : {}),
    ...(turn.onOutput ? { onOutput: turn.onOutput } : {}),
    timeoutMs: turn.timeoutMs,
    signal: turn.signal,
    sandbox: turn.sandbox,
  };
}
