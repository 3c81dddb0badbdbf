import { access, constants } from 'node:fs/promises';
import path from 'node:path';
import type { AgentAdapter, AgentOutcome, AgentTurn, SessionPlace } from './types.js';
import { runProcess } from './run-process.js';
import { processAgentOutcome } from './process-agent-outcome.js';
import { turnProcess } from './turn-process.js';
import { reportUsage } from './report-usage.js';
import type { TurnUsage } from '../domain/turn-usage.js';
import { OutputTail } from './output-tail.js';
import { CodexEvents } from './codex-events.js';
import { codexOverrides, effectiveCodexSandbox, prepareCodexHome, type CodexProvider, type CodexSandboxMode } from './codex-home.js';
import { exportCodexSession, importCodexSession, rolloutTotals } from './codex-session.js';
import { nativeBinary } from './native-binary.js';
import { FILE_SAFE_SESSION_ID } from './session-home.js';

/** Options of {@link createCodexAgent}. */
export interface CodexAgentOptions {
  /** The `codex` binary: a name on the turn's `PATH` or a path (`KUGETSU_CODEX_BIN`). Default `"codex"`. */
  bin?: string;
  /** `-m`, e.g. `"gpt-5.5"`. Default: the config's. */
  model?: string;
  /**
   * Codex's own sandbox for the commands the model runs. Default `auto` (see `CODEX_SANDBOX_MODES`):
   * `danger-full-access` inside kugetsu's sandbox (which confines it; Codex's bubblewrap cannot nest
   * there), `workspace-write` without it — the worktree writable, its `.git` not: the agent cannot
   * commit, kugetsu commits what it leaves. `read-only` lets it change nothing.
   */
  sandboxMode?: CodexSandboxMode;
  /** A Responses-API provider written into the generated `config.toml` (see `codexConfigToml`). */
  provider?: CodexProvider;
  /** More arguments after kugetsu's options (each one argv element). */
  extraArgs?: readonly string[];
  /** ms between SIGTERM and SIGKILL to the process group. Default 5000. */
  killGraceMs?: number;
  /** Streaming consumer of raw output lines. */
  onLine?: (line: string) => void;
}

const NO_ROLLOUT = /no rollout found|thread\/resume failed/i;

/** The issue's own `CODEX_HOME`: `<agentDir>/codex-home`; without an agent dir, the environment's. */
export function codexHomeOf(agentDir: string | undefined, env: Readonly<Record<string, string>>): string | undefined {
  return agentDir !== undefined ? path.join(agentDir, 'codex-home') : env.CODEX_HOME;
}

/**
 * The argv of one turn (without the binary): `exec --json <overrides> [-m M] ...extra -` for a new
 * thread, `exec resume --json <overrides> [-m M] ...extra -- <thread id> -` to continue one (`-` =
 * the prompt from stdin; `--` so that no id is ever read as an option).
 */
export function codexArgs(turn: Pick<AgentTurn, 'sessionId'>, options: CodexAgentOptions = {}, turnSandbox: 'bwrap' | 'off' = 'off'): string[] {
  const resume = turn.sessionId !== undefined && turn.sessionId !== '';
  const args = ['exec', ...(resume ? ['resume'] : []), '--json', ...codexOverrides(effectiveCodexSandbox(options.sandboxMode ?? 'auto', turnSandbox))];
  if (options.model) args.push('-m', options.model);
  args.push(...(options.extraArgs ?? []));
  if (resume) args.push('--', turn.sessionId!, '-');
  else args.push('-');
  return args;
}

/**
 * The `codex` adapter: one turn = one `codex exec --json -` (Codex 0.169.0) in the worktree, the
 * prompt file as stdin (closed at its end: an open pipe makes Codex never exit), no shell.
 *
 * - `CODEX_HOME` is the issue's own (`<agentDir>/codex-home`, kept between turns: threads live in its
 *   `sessions/`), prepared before each turn: the operator's `config.toml`/`auth.json` copied in when
 *   they name a `CODEX_HOME` in `KUGETSU_AGENT_ENV`, else a generated `config.toml`. kugetsu's
 *   required settings go as `-c` overrides (see `codexOverrides`).
 * - The npm launcher (`bin/codex.js`, which spawns the native binary as a child) is replaced by the
 *   native binary; either way the whole process group is killed on timeout and cancel.
 * - Session: `thread_id` of `thread.started`; a follow-up runs `exec resume`. An unknown thread (exit 1,
 *   "no rollout found") gives `sessionRejected`.
 * - Verdict: exit code **and** `turn.failed` (sets `agentError` with the model's message); exit 0
 *   without `turn.completed` is a failure too.
 * - Usage: tokens from `turn.completed`, less the thread's totals before the turn (see
 *   `CodexEvents.usage`); no cost (the price table gives it).
 *
 * Throws only when the prompt file is not readable (kugetsu's own bug).
 */
export function createCodexAgent(options: CodexAgentOptions = {}): AgentAdapter {
  const bin = options.bin ?? 'codex';
  if (options.extraArgs !== undefined && (!Array.isArray(options.extraArgs) || options.extraArgs.some((a) => typeof a !== 'string'))) {
    throw new TypeError('codex extraArgs must be an array of strings');
  }
  const homeOf = (place: SessionPlace) => codexHomeOf(place.agentDir, place.env);
  return {
    name: 'codex',
    exportSession: async (place) => exportCodexSession(homeOf(place), place.sessionId),
    importSession: async (place, data) => importCodexSession(homeOf(place), place.sessionId, data),
    async run(turn: AgentTurn): Promise<AgentOutcome> {
      await access(turn.promptFile, constants.R_OK).catch((err: unknown) => {
        throw new Error(`prompt file ${turn.promptFile} is not readable`, { cause: err });
      });
      const started = Date.now();
      const session = turn.sessionId !== undefined && turn.sessionId !== '' ? turn.sessionId : undefined;
      if (session !== undefined && !FILE_SAFE_SESSION_ID.test(session)) {
        return {
          exitCode: null,
          signal: null,
          timedOut: false,
          canceled: false,
          durationMs: 0,
          outputTail: '',
          sessionId: undefined,
          sessionRejected: true,
          summary: `not a Codex thread id: ${JSON.stringify(session.slice(0, 80))}`,
        };
      }
      const env: Record<string, string> = { ...turn.env };
      const codexHome = codexHomeOf(turn.agentDir, turn.env);
      if (turn.agentDir !== undefined && codexHome !== undefined) {
        try {
          await prepareCodexHome(codexHome, {
            ...(turn.env.CODEX_HOME ? { operatorHome: turn.env.CODEX_HOME } : {}),
            ...(options.model ? { model: options.model } : {}),
            ...(options.provider ? { provider: options.provider } : {}),
          });
        } catch (err) {
          return {
            exitCode: null,
            signal: null,
            timedOut: false,
            canceled: false,
            durationMs: Date.now() - started,
            outputTail: '',
            sessionId: session,
            startError: `the issue's CODEX_HOME ${codexHome} could not be prepared (${(err as Error).message})`,
          };
        }
        env.CODEX_HOME = codexHome;
      }
      const baseline = session !== undefined && codexHome !== undefined ? await rolloutTotals(codexHome, session) : undefined;
      const withModel = (u: TurnUsage | undefined): TurnUsage | undefined => u && { ...u, ...(options.model ? { model: options.model } : {}) };
      const events = new CodexEvents();
      const tail = new OutputTail();
      const outcome = await runProcess({
        command: await nativeBinary(bin, env.PATH ?? '', turn.worktree),
        args: codexArgs({ sessionId: session }, options, turn.sandbox.mode),
        ...turnProcess(turn),
        env,
        killGraceMs: options.killGraceMs,
        stdinFile: turn.promptFile,
        missingBinaryHint: 'set KUGETSU_CODEX_BIN (npm package @openai/codex)',
        onLine: (line) => {
          const done = events.completed;
          const t = events.line(line);
          if (t !== undefined) tail.push('out', `${t}\n`);
          // Codex streams no usage before turn.completed: the only report comes at the turn's end.
          if (!done && events.completed) reportUsage(turn, withModel(events.usage(baseline)));
          options.onLine?.(line);
        },
      });
      const base: AgentOutcome = { ...processAgentOutcome(outcome, tail, events.threadId ?? session), durationMs: Date.now() - started };
      const usage = withModel(events.usage(baseline));
      if (usage) base.usage = usage;
      const summary = events.failed ? events.failure : events.lastText;
      if (summary !== undefined && summary !== '') base.summary = summary;
      const ended = !outcome.timedOut && !outcome.canceled && !outcome.startError;
      if (ended && events.failed) base.agentError = `Codex reported turn.failed: ${events.failure ?? 'no message'}`;
      else if (ended && outcome.exitCode === 0 && !events.completed) base.agentError = 'Codex exited 0 without turn.completed; the turn cannot be trusted';
      if (session !== undefined && outcome.exitCode === 1 && events.threadId === undefined && NO_ROLLOUT.test(outcome.outputTail)) {
        base.sessionRejected = true;
        base.sessionId = undefined;
        base.summary = `Codex does not know thread ${session} (no rollout found); run the turn again without a session`;
      }
      return base;
    },
  };
}
