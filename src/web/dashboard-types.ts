import type { JobState, TriggerKindName, WaitPlace } from './dashboard-words.js';

export type { JobState, TriggerKindName, WaitPlace } from './dashboard-words.js';

/**
 * Which jobs a list shows. Every field is optional and they combine with AND. Validated by
 * `parseJobQuery` (bad input → 400 with the reason) before it reaches `listJobs`.
 */
export interface JobFilter {
  /** `owner/name`, compared case-insensitively. */
  repo?: string;
  /** Issue or pull request number (the work issue, `issueNumber`). */
  issue?: number;
  /** Any of these states. */
  states?: JobState[];
  /** Login of the person who asked (`sender`), case-insensitive. */
  sender?: string;
  /** Created at or after, ISO 8601. */
  since?: string;
  /** Created before, ISO 8601. */
  until?: string;
  /** Free text, case-insensitive, matched in the message, the issue key, the sender and the error. */
  q?: string;
}

/** Paging: newest first; `before` is a job id from `JobList.next` (jobs older than it). */
export interface PageRequest {
  before?: string;
  /** 1..200, default 50. */
  limit?: number;
}

/** Links back to Gitea (absent when the repository's web URL is unknown). */
export interface GiteaLinks {
  repository?: string;
  /** The issue or pull request the request was made on (where the status comment is). */
  issue?: string;
  /** The status comment. */
  statusComment?: string;
  /** The issue branch. */
  branch?: string;
  pullRequest?: string;
}

/** One job in a list. Times are ISO 8601; durations in ms. Text has passed the redactor. */
export interface JobRow {
  id: string;
  /** `owner/repo#n` (`host/owner/repo#n` with several instances). */
  issueKey: string;
  /** `owner/name` (`host/owner/name` with several instances). */
  repo: string;
  issueNumber: number;
  /** Where the request was made and the status comment lives (an issue or PR number). */
  replyTo: number;
  state: JobState;
  trigger: TriggerKindName;
  /** Login of who asked. */
  sender: string;
  /** The delegator's message, first 200 characters (redacted). */
  messagePreview: string;
  attempt: number;
  agent: string;
  branch: string;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  /** Running: now − startedAt; finished: the turn's duration. ms. */
  elapsedMs?: number;
  exitCode?: number | null;
  failedPhase?: string;
  /** Short error (redacted), when the job failed. */
  error?: string;
  /** Set while `waiting`: why and until when. */
  waiting?: { reason: string; detail: string; until: string };
  /** The worker holding a running job. */
  workerId?: string;
  cancelRequested?: boolean;
  pullRequest?: { number: number; url: string };
  links: GiteaLinks;
}

/** A page of jobs, newest first; `next` is the `before` of the following page, absent on the last. */
export interface JobList {
  jobs: JobRow[];
  next?: string;
}

/** One state change in a job's history. */
export interface HistoryEntry {
  state: JobState;
  /** ISO 8601. */
  at: string;
  detail?: string;
}

/** Where a queued or waiting job is (computed from durable rows, as the status comment says it). */
export interface QueuePlace {
  place: WaitPlace;
  /** Jobs waiting for a slot that are older than this one, counted up to 100 (the engine's QUEUE_AHEAD_LIMIT). */
  ahead: number;
  /** True when more than that many are older. */
  moreAhead?: true;
  /** Jobs waiting in all. */
  waiting: number;
  /** The status comment's words, e.g. "2nd of 4 waiting for an agent slot". */
  text: string;
}

/** One Gitea write a job caused, and whether it was delivered (the outbox). Times ISO 8601. */
export interface OutboxRow {
  id: number;
  /** The operation: `status_comment`, `reaction`, `comment`, `ensure_pull_request`, … */
  kind: string;
  state: 'pending' | 'done' | 'failed';
  attempts: number;
  /** When the next attempt is due (pending items). */
  nextAttemptAt?: string;
  lastError?: string;
  createdAt: string;
  /** When it was written (state `done`). */
  doneAt?: string;
}

/** What the viewer may do with a job (the dashboard shows the buttons; the API checks again). */
export interface JobPermissions {
  cancel: boolean;
  retry: boolean;
  /** Why not, when known (e.g. "needs write permission on acme/app"). */
  reason?: string;
}

/** Everything the job page shows. Text has passed the redactor. */
export interface JobDetail {
  job: JobRow;
  history: HistoryEntry[];
  /** For a queued or waiting job. */
  position?: QueuePlace;
  /** Who asked and how. */
  request: {
    trigger: TriggerKindName;
    sender: string;
    /** The delegator's whole message (redacted); `""` for a label. */
    message: string;
    /** Set when the request is about someone's pull request (work on its head branch). */
    onPullRequest?: { number: number; headRef?: string };
    deliveryId: string;
  };
  /** The prompt the agent got, when this process can read it (redacted). */
  prompt?: string;
  /** Set once the job has finished. */
  outcome?: {
    exitCode: number | null;
    timedOut: boolean;
    canceled: boolean;
    durationMs: number;
    sessionId?: string;
    summary?: string;
    error?: string;
    failedPhase?: string;
    newCommits: number;
    pushed: boolean;
    headSha?: string;
    /** Last lines of the output (redacted). */
    outputTail: string;
    /**
     * Tokens of the turn, when the agent reported them (`input` excludes prompt-cache reads; see
     * `TurnUsage` in domain/turn-usage.ts), and its cost in USD when the agent or the price table knew it.
     */
    tokens?: { input?: number; output?: number; cacheRead?: number; cacheWrite?: number };
    costUsd?: number;
    /** The model the agent named, when it did. */
    model?: string;
  };
  /** The issue's session id as far as known (the outcome's, else none). */
  sessionId?: string;
  note?: string;
  outbox: OutboxRow[];
  may: JobPermissions;
}

/** A piece of a job's output. `next` is the `after` of the following call. */
export interface LogChunk {
  jobId: string;
  /** Output after `after` (redacted). May be empty. */
  text: string;
  /** Offset (bytes of the job's whole output, UTF-8) to pass as `after` next time. */
  next: number;
  /** True when the job has finished: no more output will come. */
  complete: boolean;
  /** Bytes at the start of the output no longer kept (the engine keeps the newest part). */
  dropped?: number;
  /** Bytes of output written so far. */
  total?: number;
}

/** One worker's agent slots. */
export interface WorkerSlots {
  workerId: string;
  running: number;
  slots: number;
  /** Last heartbeat, ISO 8601, when known. */
  seenAt?: string;
}

/** The overview page: slots, waiting work and why, running jobs, latest failures, outbox health. */
export interface Overview {
  /** ISO 8601, when this was computed. */
  at: string;
  slots: { workers: WorkerSlots[]; running: number; total: number };
  /** Jobs by state (only those the viewer may see). */
  counts: Record<JobState, number>;
  /** Waiting jobs per repository and why they wait. */
  waiting: { repo: string; reason: WaitPlace | 'rate-limit' | 'gitea' | 'budget'; count: number }[];
  /** Running jobs, longest running first. */
  running: JobRow[];
  /** Latest failed jobs, newest first (at most 10). */
  failures: JobRow[];
  /** The outbox: writes to Gitea not yet done, being retried, given up. */
  outbox: { pending: number; retrying: number; failed: number };
}

/** One issue that has work: what runs and what waits behind it, in order. */
export interface QueueLane {
  issueKey: string;
  /** `owner/name` (`host/owner/name` with several instances). */
  repo: string;
  issueNumber: number;
  running?: JobRow;
  /** Waiting jobs of the issue, oldest first, each with its place. */
  waiting: Array<JobRow & { position?: QueuePlace }>;
}

/** What a cancel or retry did. The API maps it to 200/202, 403, 404, 409, 503. */
export type ActionOutcome =
  | { ok: true; status: 'canceled' | 'cancel-requested'; jobId: string; state?: JobState }
  | { ok: true; status: 'retried'; jobId: string; newJobId: string }
  | { ok: false; status: 'not-found' | 'forbidden' | 'conflict' | 'unavailable'; reason: string };
