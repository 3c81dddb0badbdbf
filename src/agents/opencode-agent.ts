import { access, constants } from 'node:fs/promises';
import type { AgentAdapter, AgentOutcome, AgentTurn } from './types.js';
import { runProcess } from './run-process.js';
import { processAgentOutcome } from './process-agent-outcome.js';
import { turnProcess } from './turn-process.js';
import { reportUsage } from './report-usage.js';
import { OutputTail } from './output-tail.js';
import { OpencodeEvents, opencodeTailLine } from './opencode-events.js';
import { exportOpencodeSession, importOpencodeSession } from './opencode-session.js';

/** Options of {@link createOpencodeAgent}. */
export interface OpencodeAgentOptions {
  /** The opencode binary: a name on the turn's `PATH` or a path. Default `"opencode"`. */
  bin?: string;
  /** `provider/model` passed as `--model`, e.g. `"anthropic/claude-sonnet-4"`. Default: opencode's configured model. */
  model?: string;
  /** More arguments after the options, e.g. `["--agent=build"]` (each one argv element). */
  extraArgs?: readonly string[];
  /** Session title (`--title`, which also skips the model's title request). Default `kugetsu <issue key>`. */
  title?: (turn: AgentTurn) => string;
  /** ms between SIGTERM and SIGKILL to opencode's process group. Default 5000. */
  killGraceMs?: number;
  /** Streaming consumer of raw output lines (JSON events and stderr). */
  onLine?: (line: string) => void;
}

/** The words sent before the prompt file's text (opencode joins them: `<words>\n<stdin>`). */
export const OPENCODE_INSTRUCTION = 'Follow the instructions below.';

const SESSION_NOT_FOUND = /Session not found/i;
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;

/**
 * The argv of one turn (without the binary): `run --format json --title=T [--session=ID]
 * [--model=M] ...extraArgs -- Follow the instructions below.` Option values are joined with `=` so
 * that a value starting with `-` can never be read as an option (`--session --help` would print
 * the help and exit 0; `--session=--help` is a session id that does not exist).
 */
export function opencodeArgs(turn: AgentTurn, options: OpencodeAgentOptions = {}): string[] {
  const title = options.title?.(turn) ?? `kugetsu ${turn.issueKey}`;
  const args = ['run', '--format', 'json', `--title=${title}`];
  if (turn.sessionId !== undefined && turn.sessionId !== '') args.push(`--session=${turn.sessionId}`);
  if (options.model) args.push(`--model=${options.model}`);
  args.push(...(options.extraArgs ?? []), '--', ...OPENCODE_INSTRUCTION.split(' '));
  return args;
}

/**
 * The `opencode` adapter (the default agent): one turn = one `opencode run --format json`
 * (opencode 1.18.33) in the worktree.
 *
 * The prompt goes in as **stdin from the prompt file**, after the fixed words
 * {@link OPENCODE_INSTRUCTION}: the model receives `Follow the instructions below.\n<file text>`
 * verbatim. It is never an argv word. (`--file <path>` was tried: opencode turns it into a
 * synthetic Read tool call, so the model gets the text with `N: ` line numbers, lines cut at 2000
 * characters and only the first 2000 lines.)
 *
 * Outcome: `sessionId` from the first JSON line (else the incoming one); `summary` is the last
 * `text` (else the last error event); `outputTail` holds one readable line per text/tool/error event plus stderr. A `--session`
 * opencode does not know ends with exit 1 and `Error: Session not found`: the outcome then has
 * `sessionRejected: true` and no `sessionId`, so the caller can run the turn again fresh.
 *
 * Sessions travel between workers with `opencode export` / `opencode import`, run like the turns
 * (see `exportOpencodeSession`, `importOpencodeSession`).
 *
 * Throws only when the prompt file is not readable (kugetsu's own bug).
 */
export function createOpencodeAgent(options: OpencodeAgentOptions = {}): AgentAdapter {
  const bin = options.bin ?? 'opencode';
  if (options.extraArgs !== undefined && (!Array.isArray(options.extraArgs) || options.extraArgs.some((a) => typeof a !== 'string'))) {
    throw new TypeError('opencode extraArgs must be an array of strings');
  }
  return {
    name: 'opencode',
    exportSession: (place) => exportOpencodeSession(bin, place),
    importSession: (place, data) => importOpencodeSession(bin, place, data),
    async run(turn: AgentTurn): Promise<AgentOutcome> {
      await access(turn.promptFile, constants.R_OK).catch((err: unknown) => {
        throw new Error(`prompt file ${turn.promptFile} is not readable`, { cause: err });
      });
      const events = new OpencodeEvents((usage) => reportUsage(turn, { ...usage, ...(options.model ? { model: options.model } : {}) }));
      const tail = new OutputTail();
      const outcome = await runProcess({
        command: bin,
        args: opencodeArgs(turn, options),
        ...turnProcess(turn),
        env: turn.env,
        killGraceMs: options.killGraceMs,
        stdinFile: turn.promptFile,
        missingBinaryHint: 'set the agent binary in the configuration (npm package opencode-ai)',
        onLine: (line) => {
          events.line(line);
          const t = opencodeTailLine(line);
          if (t !== undefined) tail.push('out', `${t}\n`);
          options.onLine?.(line);
        },
      });
      const base = processAgentOutcome(outcome, tail, events.sessionId ?? turn.sessionId);
      if (events.usage) base.usage = { ...events.usage, ...(options.model ? { model: options.model } : {}) };
      const summary = events.lastText ?? events.errors.at(-1);
      if (summary !== undefined) base.summary = summary;
      const rejected = turn.sessionId !== undefined && outcome.exitCode === 1 && events.count === 0 && SESSION_NOT_FOUND.test(outcome.outputTail.replace(ANSI, ''));
      if (rejected) {
        base.sessionRejected = true;
        base.sessionId = undefined;
        base.summary = `opencode rejected session ${turn.sessionId} (Session not found); run the turn again without a session`;
      }
      return base;
    },
  };
}
