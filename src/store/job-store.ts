import type { IssueKey } from '../domain/issue-key.js';
import type { Job } from './job.js';

/** What a job's creator supplies; the store adds `id`, `state: "queued"` and `createdAt`. */
export type NewJob = Omit<Job, 'id' | 'state' | 'createdAt' | 'startedAt' | 'finishedAt' | 'statusCommentId' | 'result'>;

/** The agent session and worktree an issue's turns share. */
export interface IssueSession {
  issueKey: IssueKey;
  /** Adapter that owns the session id (a session of one agent means nothing to another). */
  agent: string;
  sessionId: string | undefined;
  worktreePath: string;
  branch: string;
  updatedAt: string;
}

/**
 * The job record and per-issue session, behind an interface so an embedded or a distributed store
 * can back it. Methods are async for that reason. `update` rejects for an unknown job id.
 */
export interface JobStore {
  /** Stores a new job in state `queued` and returns it with its id. */
  insert(job: NewJob): Promise<Job>;
  /** Applies a partial change and returns the job as it is now. */
  update(id: string, patch: Partial<Omit<Job, 'id'>>): Promise<Job>;
  get(id: string): Promise<Job | undefined>;
  /** The issue's jobs in arrival order. */
  listByIssue(key: IssueKey): Promise<Job[]>;
  /** True when a job of the issue is queued or running. */
  isIssueActive(key: IssueKey): Promise<boolean>;
  getSession(key: IssueKey): Promise<IssueSession | undefined>;
  putSession(session: IssueSession): Promise<void>;
  /** Counts by state, for `/healthz`. */
  counts(): Promise<Record<Job['state'], number>>;
}
