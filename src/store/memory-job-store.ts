import type { IssueKey } from '../domain/issue-key.js';
import { isActive, type Job } from './job.js';
import type { IssueSession, JobStore, NewJob } from './job-store.js';

/**
 * A {@link JobStore} in process memory: nothing survives a restart. Used until the durable
 * embedded store exists, and in tests of the stages above the store.
 */
export class MemoryJobStore implements JobStore {
  private readonly jobs = new Map<string, Job>();
  private readonly sessions = new Map<IssueKey, IssueSession>();
  private nextId = 1;

  async insert(job: NewJob): Promise<Job> {
    const stored: Job = { ...job, id: String(this.nextId++), state: 'queued', createdAt: new Date().toISOString() };
    this.jobs.set(stored.id, stored);
    return structuredClone(stored);
  }

  async update(id: string, patch: Partial<Omit<Job, 'id'>>): Promise<Job> {
    const job = this.jobs.get(id);
    if (!job) throw new Error(`job ${id} does not exist`);
    Object.assign(job, structuredClone(patch));
    return structuredClone(job);
  }

  async get(id: string): Promise<Job | undefined> {
    const job = this.jobs.get(id);
    return job && structuredClone(job);
  }

  async listByIssue(key: IssueKey): Promise<Job[]> {
    return [...this.jobs.values()].filter((j) => j.issueKey === key).map((j) => structuredClone(j));
  }

  async isIssueActive(key: IssueKey): Promise<boolean> {
    for (const j of this.jobs.values()) if (j.issueKey === key && isActive(j.state)) return true;
    return false;
  }

  async getSession(key: IssueKey): Promise<IssueSession | undefined> {
    const s = this.sessions.get(key);
    return s && { ...s };
  }

  async putSession(session: IssueSession): Promise<void> {
    this.sessions.set(session.issueKey, { ...session });
  }

  async counts(): Promise<Record<Job['state'], number>> {
    const c: Record<Job['state'], number> = { queued: 0, running: 0, succeeded: 0, failed: 0, canceled: 0 };
    for (const j of this.jobs.values()) c[j.state]++;
    return c;
  }
}
