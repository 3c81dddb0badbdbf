import type { RepoRef } from '../domain/repo-ref.js';
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { parseIssueKey } from '../domain/issue-key.js';
import type { GiteaClient } from '../gitea/types.js';
import type { Logger } from '../log/logger.js';
import type { JobStore } from '../store/job-store.js';
import type { Workspace } from '../workspace/types.js';

/** What {@link Maintenance} needs; all injected by the composition root. */
export interface MaintenanceDeps {
  store: JobStore;
  gitea: GiteaClient;
  /**
   * Several instances: runs `fn` for the instance of issue key `key`, and tells whether a stored
   * repository lives on that instance. Default: one instance.
   */
  instanceOf?: (key: string) => { run: <T>(fn: () => Promise<T>) => Promise<T>; owns: (repo: RepoRef) => boolean };
  workspace: Workspace;
  logger: Logger;
  stateDir: string;
  /** How long finished jobs, their logs and prompts are kept, in ms (default 7 days, as the seed tool). */
  retentionMs: number;
  now?: () => Date;
}

/** What one maintenance pass removed. */
export interface MaintenanceReport {
  jobs: number;
  files: number;
  worktrees: number;
}

/**
 * Retention: removes finished jobs older than the retention period with their agent logs and
 * prompt files, and the worktrees (and sessions) of issues that are closed and have no active job.
 * Failures are logged and retried on the next pass; never throws.
 */
export class Maintenance {
  constructor(private readonly deps: MaintenanceDeps) {}

  async run(): Promise<MaintenanceReport> {
    const report: MaintenanceReport = { jobs: 0, files: 0, worktrees: 0 };
    const { store, logger } = this.deps;
    try {
      const now = (this.deps.now ?? (() => new Date()))();
      const pruned = await store.prune(new Date(now.getTime() - this.deps.retentionMs));
      report.jobs = pruned.jobIds.length;
      if (pruned.jobIds.length > 0) report.files = await this.removeJobFiles(new Set(pruned.jobIds));
    } catch (err) {
      logger.warn({ err }, 'pruning old jobs failed; it is tried again on the next pass');
    }
    for (const session of await store.sessions().catch(() => [])) {
      try {
        const key = parseIssueKey(session.issueKey);
        if (!key || (await store.isIssueActive(session.issueKey))) continue;
        const instance = this.deps.instanceOf?.(session.issueKey) ?? { run: <T>(fn: () => Promise<T>) => fn(), owns: () => true };
        const issue = await instance.run(() => this.deps.gitea.getIssue(key.owner, key.repo, key.number));
        if (issue.state !== 'closed') continue;
        const repo = (await store.knownRepos()).find(
          (r) => r.owner.toLowerCase() === key.owner.toLowerCase() && r.name.toLowerCase() === key.repo.toLowerCase() && instance.owns(r),
        );
        if (!repo || !this.deps.workspace.removeWorktree) continue;
        await this.deps.workspace.removeWorktree(repo, key.number);
        await store.deleteSession(session.issueKey);
        report.worktrees++;
      } catch (err) {
        logger.warn({ err, issueKey: session.issueKey }, 'could not clean up the worktree of a closed issue; tried again on the next pass');
      }
    }
    if (report.jobs + report.worktrees > 0) logger.info(report, 'maintenance removed old jobs and worktrees');
    return report;
  }

  /** Deletes `logs/job-<id>.log`, `prompts/**\/job-<id>.md` and `prompts/**\/job-<id>.message.txt` of the given jobs. */
  private async removeJobFiles(ids: Set<string>): Promise<number> {
    let removed = 0;
    const logs = path.join(this.deps.stateDir, 'logs');
    for (const id of ids) {
      await rm(path.join(logs, `job-${id}.log`), { force: true });
      removed++;
    }
    const prompts = path.join(this.deps.stateDir, 'prompts');
    const entries = await readdir(prompts, { recursive: true, withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      const m = /^job-(\d+)\.(?:md|message\.txt)$/.exec(e.name);
      if (e.isFile() && m && ids.has(m[1]!)) {
        await rm(path.join(e.parentPath ?? (e as unknown as { path: string }).path, e.name), { force: true });
        removed++;
      }
    }
    return removed;
  }
}
