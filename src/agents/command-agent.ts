import { z } from 'zod';
import type { AgentAdapter, AgentOutcome, AgentTurn, SessionTransfer } from './types.js';
import { execInputProblem } from './exec-input-problem.js';
import { messageEnv } from './message-env.js';
import { runProcess } from './run-process.js';
import { turnProcess } from './turn-process.js';
import { readSessionFile, SESSION_ID_PATTERN, writeSessionFile } from './session-file.js';

/** Options of {@link createCommandAgent}. */
export interface CommandAgentOptions {
  /**
   * The command as an argv array (program first). Placeholders `{promptFile}`, `{worktree}`,
   * `{issueKey}`, `{branch}`, `{sessionId}` (empty on a first turn) are replaced inside elements,
   * e.g. `["my-agent", "--prompt={promptFile}"]`. Never run through a shell.
   */
  argv: readonly string[];
  /** ms between SIGTERM and SIGKILL to the agent's process group. Default 5000. */
  killGraceMs?: number;
  /** Streaming consumer of output lines. */
  onLine?: (line: string) => void;
}

const argvSchema = z.array(z.string().min(1, 'argv elements must not be empty')).min(1, 'argv must name a program');

const PLACEHOLDER = /\{(promptFile|worktree|issueKey|branch|sessionId)\}/g;

/**
 * Replaces the placeholders in each argv element in one pass (a substituted value is never scanned
 * again, so a branch or message containing `{worktree}` stays as it is).
 */
export function substituteArgv(argv: readonly string[], turn: AgentTurn): string[] {
  const values: Record<string, string> = {
    promptFile: turn.promptFile,
    worktree: turn.worktree,
    issueKey: turn.issueKey,
    branch: turn.branch,
    sessionId: turn.sessionId ?? '',
  };
  return argv.map((arg) => arg.replace(PLACEHOLDER, (_m, name: string) => values[name] ?? ''));
}

/**
 * The generic `command` adapter: runs any agent CLI configured as an argv array in the worktree.
 *
 * The agent's env is {@link AgentTurn.env} plus `KUGETSU_ISSUE_KEY`, `KUGETSU_PROMPT_FILE`,
 * `KUGETSU_WORKTREE`, `KUGETSU_BRANCH`, `KUGETSU_MESSAGE` (`""` for a label trigger; cut with a
 * note past 32 KiB, see `messageEnv`), `KUGETSU_MESSAGE_FILE` (the whole message),
 * `KUGETSU_SESSION_ID` (`""` on a first turn) and `KUGETSU_SESSION_FILE`. An argv or environment
 * string over Linux's `MAX_ARG_STRLEN` is not run: the outcome's `inputError` says which. The
 * session file is emptied before the turn (in the sandbox it is that one file, bound in place:
 * write it, do not replace it); if the agent leaves a session id in it (see {@link readSessionFile}), that becomes the
 * outcome's `sessionId`, else the incoming id is kept.
 *
 * Its session is its session file: `exportSession` gives the file's content after the turn (the id
 * the agent left, else the id it was given — today just the id); `importSession` checks that the
 * bytes name the session to continue and writes them back into the session file. (The id also
 * reaches every worker through the engine's session row, as `KUGETSU_SESSION_ID`.)
 *
 * Throws a `TypeError` at construction when `argv` is not a non-empty array of non-empty strings.
 */
export function createCommandAgent(options: CommandAgentOptions): AgentAdapter {
  const parsed = argvSchema.safeParse(options.argv);
  if (!parsed.success) {
    throw new TypeError(`invalid agent command (expected a non-empty array of strings, program first, e.g. ["my-agent","{promptFile}"]): ${z.prettifyError(parsed.error)}`);
  }
  const argv = parsed.data;
  return {
    name: 'command',
    async exportSession(place): Promise<SessionTransfer> {
      const id = (await readSessionFile(place.sessionFile)) ?? place.sessionId;
      return id === place.sessionId ? { ok: true, data: Buffer.from(id) } : { ok: false, problem: `the session file names ${id}, not ${place.sessionId}` };
    },
    async importSession(place, data): Promise<SessionTransfer> {
      const id = data.toString('utf8').trim();
      if (!SESSION_ID_PATTERN.test(id) || id !== place.sessionId) return { ok: false, problem: `the stored export does not name session ${place.sessionId}` };
      try {
        await writeSessionFile(place.sessionFile, id);
      } catch (err) {
        return { ok: false, problem: `the session file could not be written (${(err as Error).message})` };
      }
      return { ok: true, data };
    },
    async run(turn: AgentTurn): Promise<AgentOutcome> {
      await writeSessionFile(turn.sessionFile, '');
      const [command, ...args] = substituteArgv(argv, turn);
      const env = {
        ...turn.env,
        KUGETSU_ISSUE_KEY: turn.issueKey,
        KUGETSU_PROMPT_FILE: turn.promptFile,
        KUGETSU_WORKTREE: turn.worktree,
        KUGETSU_BRANCH: turn.branch,
        ...messageEnv(turn.message, turn.messageFile),
        KUGETSU_SESSION_ID: turn.sessionId ?? '',
        KUGETSU_SESSION_FILE: turn.sessionFile,
      };
      const inputError = execInputProblem([command!, ...args], env);
      if (inputError) {
        return { exitCode: null, signal: null, timedOut: false, canceled: false, durationMs: 0, outputTail: '', sessionId: turn.sessionId, inputError };
      }
      const outcome = await runProcess({
        command: command!,
        args,
        ...turnProcess(turn),
        env,
        killGraceMs: options.killGraceMs,
        onLine: options.onLine,
      });
      const written = await readSessionFile(turn.sessionFile);
      const { pid: _pid, ...rest } = outcome;
      return { ...rest, sessionId: written ?? turn.sessionId };
    },
  };
}
