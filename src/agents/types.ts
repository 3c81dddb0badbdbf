import type { IssueKey } from '../domain/issue-key.js';
import type { TurnUsage } from '../domain/turn-usage.js';
import type { TurnSandbox } from './turn-sandbox.js';

/**
 * One turn of an agent in an issue's worktree. Everything an adapter needs; adapters never read
 * `process.env` themselves (the environment they pass on is {@link AgentTurn.env}).
 */
export interface AgentTurn {
  issueKey: IssueKey;
  /** Absolute path of the issue's git worktree; the agent's working directory. */
  worktree: string;
  /** The issue branch checked out in the worktree, e.g. `kugetsu/issue-7`. */
  branch: string;
  /** Absolute path of the prompt file, written by kugetsu outside the worktree. */
  promptFile: string;
  /** The delegator's message for this turn (`""` for a label trigger), cleaned and masked. Passed as data only. */
  message: string;
  /**
   * Absolute path of a file outside the worktree holding the whole {@link message} (any length):
   * environment strings are limited (see `messageEnv`), files are not.
   */
  messageFile?: string;
  /** The session to continue, or `undefined` on the issue's first turn. */
  sessionId: string | undefined;
  /**
   * Absolute path of a file outside the worktree where an agent may write its session id; its
   * content after the turn (trimmed) becomes the issue's session id when the agent printed none.
   */
  sessionFile: string;
  /** Hard limit for the whole turn in ms; on expiry the whole process group is killed. */
  timeoutMs: number;
  /** The complete environment of the agent process (an allowlist built by the caller). */
  env: Record<string, string>;
  /** File that receives the agent's combined stdout+stderr, appended as it arrives. */
  logFile: string;
  /** Masks secrets in what is written to {@link logFile} (the output tail is masked by the caller). */
  redact?: (text: string) => string;
  /**
   * Receives what is written to {@link logFile} (masked by {@link redact}), as it is written, e.g.
   * to keep the output in the engine for a dashboard. Must not throw (a throw is ignored).
   */
  onOutput?: (text: string) => void;
  /** Aborting cancels the turn: the process group gets SIGTERM, then SIGKILL after the grace period. */
  signal?: AbortSignal;
  /**
   * Where the agent runs (kugetsu's bubblewrap sandbox for this issue, or `NO_SANDBOX`). Adapters
   * hand it to `runProcess` as it is; paths above are the same inside and outside.
   */
  sandbox: TurnSandbox;
  /**
   * The issue's agent dir (read-write in the sandbox; the sandbox's HOME is `<agentDir>/home`),
   * where an adapter may keep per-issue files of its agent (Codex's `CODEX_HOME`). Absent in
   * callers that have none; adapters then fall back to the agent's own default place.
   */
  agentDir?: string;
}

/**
 * What happened in one turn. A failing or hung agent is an outcome, never an exception:
 * adapters throw only for kugetsu's own bugs (e.g. an unreadable prompt file path).
 */
export interface AgentOutcome {
  /** Exit code of the agent process; `null` when it was killed by a signal. */
  exitCode: number | null;
  /** Signal that ended the process, e.g. `"SIGKILL"`, or `null`. */
  signal: string | null;
  /** True when {@link AgentTurn.timeoutMs} expired and kugetsu killed the process group. */
  timedOut: boolean;
  /** True when {@link AgentTurn.signal} was aborted. */
  canceled: boolean;
  /** Wall-clock duration of the turn in ms. */
  durationMs: number;
  /** The session id to store for the issue's next turn (from the JSON stream or the session file). */
  sessionId: string | undefined;
  /** The last lines of combined output (at most ~40 lines / 4 KB), for the status comment. */
  outputTail: string;
  /** A short human summary the agent gave, when the adapter can tell (opencode's last `text`). */
  summary?: string;
  /** Set when the process could not be started at all (e.g. `ENOENT`): what to do about it. */
  startError?: string;
  /**
   * Set when the turn's input could not be handed to the process (an argument or environment string
   * over the operating system's limit): an input problem, not a broken agent command. Not started.
   */
  inputError?: string;
  /**
   * True when the agent refused to continue {@link AgentTurn.sessionId} (opencode 1.18.33: exit 1,
   * no JSON event, `Error: Session not found` on stderr). `sessionId` is then `undefined`: the caller
   * may forget the stored session and run the turn again without one.
   */
  sessionRejected?: boolean;
  /**
   * Set when the agent's own final report says the turn failed although the process may have exited
   * 0 (Claude Code's result line with `is_error: true`, Codex's `turn.failed`): the agent's message.
   * The caller treats the turn as failed.
   */
  agentError?: string;
  /** Tokens and cost of this turn when the agent reported them (see {@link TurnUsage}). */
  usage?: TurnUsage;
}

/**
 * Where an issue's agent session lives on this worker, for moving it out of or into the agent
 * (see {@link AgentAdapter.exportSession}): the same worktree, environment, sandbox and agent dir
 * as the issue's turns, so the session is read and written exactly where the turns keep it.
 */
export interface SessionPlace {
  issueKey: IssueKey;
  /** The session to export, or that the import is for (`SESSION_ID_PATTERN`; never an option). */
  sessionId: string;
  /** The issue's worktree: the working directory (opencode keys its sessions by project). */
  worktree: string;
  /** The issue's agent dir (`TurnView.agentDir`, read-write in the sandbox): an import's file is written in it. */
  agentDir: string;
  /** The issue's session file (`AgentTurn.sessionFile`). */
  sessionFile: string;
  /** The environment of the issue's turns (`AgentTurn.env`). */
  env: Record<string, string>;
  /** The sandbox of the issue's turns (`AgentTurn.sandbox`). */
  sandbox: TurnSandbox;
  /** Limit of one export or import, in ms; the process is killed after it. */
  timeoutMs: number;
}

/** What moving a session did: done (`data` for an export), or why not. Never an exception. */
export type SessionTransfer = { ok: true; data: Buffer } | { ok: false; problem: string };

/** An agent CLI behind one interface (`opencode`, `command`, …). */
export interface AgentAdapter {
  /** Short name shown in status comments, e.g. `"opencode"`. */
  readonly name: string;
  /** Runs one turn to completion, timeout or cancellation. Never rejects for agent failures. */
  run(turn: AgentTurn): Promise<AgentOutcome>;
  /**
   * The agent's own record of `place.sessionId` as opaque bytes, after a turn, for the engine to
   * keep so that another worker can continue the session. Optional: an adapter without it has
   * sessions that cannot travel. Resolves `{ok: false, problem}` when it cannot; never rejects.
   */
  exportSession?(place: SessionPlace): Promise<SessionTransfer>;
  /**
   * Makes the session an {@link exportSession} produced (`data`, maybe on another machine) known
   * to the agent here, before a turn continues it. Resolves `{ok: true, data}` (`data` as given)
   * or `{ok: false, problem}` (broken data, agent failure); never rejects.
   */
  importSession?(place: SessionPlace, data: Buffer): Promise<SessionTransfer>;
  /**
   * Releases what the adapter keeps running between turns (warm opencode's server: its process
   * group is killed) when kugetsu stops. Optional; never rejects.
   */
  close?(): Promise<void>;
}
