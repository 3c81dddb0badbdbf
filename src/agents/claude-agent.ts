import { access, constants } from 'node:fs/promises';
import type { AgentAdapter, AgentOutcome, AgentTurn } from './types.js';
import { runProcess } from './run-process.js';
import { processAgentOutcome } from './process-agent-outcome.js';
import { turnProcess } from './turn-process.js';
import { reportUsage } from './report-usage.js';
import { OutputTail } from './output-tail.js';
import { ClaudeEvents } from './claude-events.js';
import { nativeBinary } from './native-binary.js';
import { exportClaudeSession, importClaudeSession } from './claude-session.js';

/** Claude Code's permission modes (`--permission-mode`, Claude Code 2.1.332). */
export const CLAUDE_PERMISSION_MODES = ['acceptEdits', 'bypassPermissions', 'default', 'plan', 'dontAsk', 'auto'] as const;
/** One of {@link CLAUDE_PERMISSION_MODES}. */
export type ClaudePermissionMode = (typeof CLAUDE_PERMISSION_MODES)[number];

/** Options of {@link createClaudeAgent}. */
export interface ClaudeAgentOptions {
  /** The `claude` binary: a name on the turn's `PATH` or a path (`KUGETSU_CLAUDE_BIN`). Default `"claude"`. */
  bin?: string;
  /** `--model`, e.g. `"claude-sonnet-4-5"` or an alias such as `"sonnet"`. Default: Claude Code's own. */
  model?: string;
  /**
   * `--permission-mode`. Default `acceptEdits` (edits in the worktree allowed, works as root).
   * `bypassPermissions` allows everything (Bash included) but refuses to start as root unless
   * `IS_SANDBOX=1`, which the adapter sets when the turn runs in kugetsu's bubblewrap sandbox.
   * `default` refuses writes yet exits 0 (the refusals are in `result.permission_denials`).
   */
  permissionMode?: ClaudePermissionMode;
  /** More arguments after kugetsu's, e.g. `["--allowedTools", "Bash(npm test)"]` (each one argv element). */
  extraArgs?: readonly string[];
  /** ms between SIGTERM and SIGKILL to the process group. Default 5000. */
  killGraceMs?: number;
  /** Streaming consumer of raw output lines. */
  onLine?: (line: string) => void;
}

/**
 * Variables that stop Claude Code's traffic other than the model requests (without the first, about
 * six connection attempts to the vendor's API host per turn), its telemetry, error reports and
 * auto-update (docs/agents-offline.md). Set on every turn; an operator's own value wins.
 */
export const CLAUDE_QUIET_ENV: Readonly<Record<string, string>> = {
  CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
  DISABLE_TELEMETRY: '1',
  DISABLE_ERROR_REPORTING: '1',
  DISABLE_AUTOUPDATER: '1',
};

const NO_CONVERSATION = /No conversation found/i;

/**
 * The argv of one turn (without the binary): `-p --output-format stream-json --verbose
 * --permission-mode=M [--model=M] [--resume=ID] ...extraArgs`. Values are joined with `=` so that
 * one starting with `-` is never read as an option. The prompt goes on stdin, never in argv.
 */
export function claudeArgs(turn: Pick<AgentTurn, 'sessionId'>, options: ClaudeAgentOptions = {}): string[] {
  const args = ['-p', '--output-format', 'stream-json', '--verbose', `--permission-mode=${options.permissionMode ?? 'acceptEdits'}`];
  if (options.model) args.push(`--model=${options.model}`);
  if (turn.sessionId !== undefined && turn.sessionId !== '') args.push(`--resume=${turn.sessionId}`);
  args.push(...(options.extraArgs ?? []));
  return args;
}

/**
 * The `claude` adapter: one turn = one headless `claude -p` (Claude Code 2.1.332) in the worktree,
 * the prompt file as stdin (closed at its end: an open pipe costs a 3 s wait), no shell.
 *
 * - Environment: the turn's, plus {@link CLAUDE_QUIET_ENV}; with `bypassPermissions` inside the
 *   bubblewrap sandbox also `IS_SANDBOX=1` (else Claude Code refuses to run as root).
 * - Session: `session_id` from the stream; a follow-up passes `--resume`. An unknown id (exit 1,
 *   "No conversation found with session ID") gives `sessionRejected`, so the caller starts afresh.
 * - Verdict: exit code **and** the result line: `is_error: true` sets `agentError` (Claude Code may
 *   say `subtype: "success"` while failing); no result line after exit 0 is a failure too.
 * - Usage: tokens and cost of this turn from the result line (see `ClaudeEvents.usage`); while it
 *   runs, the assistant messages' tokens go to `turn.onUsage` (a turn stopped early keeps those).
 * - A stub `claude` (npm install scripts not run) is replaced by the platform package's native binary.
 *
 * Sessions travel as the session's JSONL file (see `exportClaudeSession`). Throws only when the
 * prompt file is not readable (kugetsu's own bug).
 */
export function createClaudeAgent(options: ClaudeAgentOptions = {}): AgentAdapter {
  const bin = options.bin ?? 'claude';
  if (options.extraArgs !== undefined && (!Array.isArray(options.extraArgs) || options.extraArgs.some((a) => typeof a !== 'string'))) {
    throw new TypeError('claude extraArgs must be an array of strings');
  }
  return {
    name: 'claude',
    exportSession: (place) => exportClaudeSession(place),
    importSession: (place, data) => importClaudeSession(place, data),
    async run(turn: AgentTurn): Promise<AgentOutcome> {
      await access(turn.promptFile, constants.R_OK).catch((err: unknown) => {
        throw new Error(`prompt file ${turn.promptFile} is not readable`, { cause: err });
      });
      const env: Record<string, string> = { ...CLAUDE_QUIET_ENV, ...turn.env };
      if (options.permissionMode === 'bypassPermissions' && turn.sandbox.mode === 'bwrap' && env.IS_SANDBOX === undefined) env.IS_SANDBOX = '1';
      const events = new ClaudeEvents((usage) => reportUsage(turn, usage));
      const tail = new OutputTail();
      const outcome = await runProcess({
        command: await nativeBinary(bin, env.PATH ?? '', turn.worktree),
        args: claudeArgs(turn, options),
        ...turnProcess(turn),
        env,
        killGraceMs: options.killGraceMs,
        stdinFile: turn.promptFile,
        missingBinaryHint: 'set KUGETSU_CLAUDE_BIN (npm package @anthropic-ai/claude-code)',
        onLine: (line) => {
          const t = events.line(line);
          if (t !== undefined) tail.push('out', `${t}\n`);
          options.onLine?.(line);
        },
      });
      const base = processAgentOutcome(outcome, tail, events.sessionId ?? turn.sessionId);
      // Stopped before its result line (a timeout, a cancel, a budget): what the stream reported.
      const usage = events.usage() ?? events.streamedUsage();
      if (usage) base.usage = usage;
      const summary = events.failed ? events.error() : (events.lastText ?? (typeof events.result?.result === 'string' ? events.result.result : undefined));
      if (summary !== undefined && summary !== '') base.summary = summary;
      const ended = !outcome.timedOut && !outcome.canceled && !outcome.startError;
      if (ended && events.failed) base.agentError = `Claude Code reported an error: ${events.error() ?? 'is_error without a message'}`;
      else if (ended && outcome.exitCode === 0 && !events.result) base.agentError = 'Claude Code exited 0 without its result line; the turn cannot be trusted';
      const rejected = turn.sessionId !== undefined && outcome.exitCode === 1 && (NO_CONVERSATION.test(events.error() ?? '') || NO_CONVERSATION.test(outcome.outputTail));
      if (rejected) {
        base.sessionRejected = true;
        base.sessionId = undefined;
        base.summary = `Claude Code does not know session ${turn.sessionId} (No conversation found); run the turn again without a session`;
      }
      return base;
    },
  };
}
