import type { JobState, JobWait } from './job-state.js';
import type { DelegationRequest } from './delegation.js';
import type { TurnUsage } from './turn-usage.js';

export type { JobState, JobWait } from './job-state.js';
export { isActive } from './job-state.js';

/** The step of a job that failed; shown in the status comment. */
export type JobPhase = 'authorize' | 'clone' | 'fetch' | 'worktree' | 'prompt' | 'agent' | 'commit' | 'push' | 'internal';

/** What a finished job did. Durations in ms. */
export interface JobResult {
  exitCode: number | null;
  timedOut: boolean;
  canceled: boolean;
  durationMs: number;
  /** Session id the issue continues with after this turn. */
  sessionId?: string | undefined;
  /** Last lines of the agent's output (secrets masked), shown on failure. */
  outputTail: string;
  /** The agent's own summary, when it gave one. */
  summary?: string | undefined;
  /** Commits the turn added to the branch, and whether the branch was pushed. */
  newCommits: number;
  pushed: boolean;
  headSha?: string | undefined;
  /** Set on failure: the phase and a message that says what to do. */
  failedPhase?: JobPhase;
  error?: string;
  /** Tokens and cost of the turn, when the agent reported them (cost from the price table when it gave none). */
  usage?: TurnUsage;
  /**
   * Set when kugetsu itself stopped the running turn for a limit other than time: `budget` — its
   * reported cost passed the repository's `max_turn_cost_usd` ({@link usage} says what was spent).
   * Such a job is `failed` (see `JobMachine.finish`) and never retried by itself.
   */
  stoppedBy?: 'budget';
}

/**
 * One queued run of a delegation (one agent turn). The record behind the status comment.
 * Timestamps are ISO 8601 strings so that every store can keep them as they are.
 */
export interface Job extends DelegationRequest {
  /** Assigned by the store, e.g. `"12"`. */
  id: string;
  /** The delivery that created the job (`X-Gitea-Delivery`). */
  deliveryId: string;
  state: JobState;
  /** The issue branch, e.g. `kugetsu/issue-7`. */
  branch: string;
  /** Adapter name, e.g. `opencode`. */
  agent: string;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  /** Id of the status comment once it exists. */
  statusCommentId?: number;
  /** 1 for the first run; +1 each time the job is re-queued after an interruption (restart, crash). */
  attempt: number;
  /** A line for the status comment about what happened besides the state, e.g. an interruption. */
  note?: string;
  /** True when Gitea could not confirm the sender's permission at admission: checked before the run. */
  needsAuthorization?: boolean;
  /** Set while the job is `waiting`: why, until when, how many times in a row. */
  waiting?: JobWait;
  /** The worker that holds a `running` job, and until when its lease holds (ms since the epoch). */
  workerId?: string;
  leaseUntil?: number;
  /** Someone asked to cancel the running job; its worker stops it at its next heartbeat. */
  cancelRequested?: boolean;
  result?: JobResult;
  /**
   * The open pull request of the issue branch, once kugetsu opened or found it (shown as "PR #n" in
   * the status comment). Set by the outbox worker after `ensure_pull_request`.
   */
  pullRequest?: { number: number; url: string };
  /** The branch head when the current attempt's turn began (commit statuses go on it). */
  startSha?: string;
  /**
   * Id of the newer job whose status comment superseded this one on the same issue or PR: this
   * job's comment is then rendered collapsed (a one-line summary, the full comment in `<details>`).
   */
  supersededBy?: string;
}

/** The result of a job canceled before it started (by `/kugetsu stop`, the label, or the CLI). */
export function canceledBeforeStart(): JobResult {
  return {
    exitCode: null,
    timedOut: false,
    canceled: true,
    durationMs: 0,
    outputTail: '',
    newCommits: 0,
    pushed: false,
    error: 'The job was canceled before it started.',
  };
}
