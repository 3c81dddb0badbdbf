import { instanceDirs } from '../domain/repo-ref.js';
import path from 'node:path';
import type { Job } from '../domain/job.js';

/**
 * Where a job's files live under the state dir — outside every worktree, so the agent never
 * commits them: `prompts/<owner>/<repo>/issue-<n>/job-<id>.md`,
 * `prompts/<owner>/<repo>/issue-<n>/job-<id>.message.txt` (the delegator's whole message),
 * `sessions/<owner>/<repo>/issue-<n>.session`, `logs/job-<id>.log`.
 * An instance other than the first adds `@<host>/` before `<owner>` (see `instanceDirs`).
 * Owner and repo names were validated (`isSafeRepoRef`) before a job exists.
 */
export function jobPaths(stateDir: string, job: Pick<Job, 'id' | 'repo' | 'issueNumber'>): { promptFile: string; messageFile: string; sessionFile: string; logFile: string } {
  const issueDir = path.join(...instanceDirs(job.repo), job.repo.owner, job.repo.name, `issue-${job.issueNumber}`);
  return {
    promptFile: path.join(stateDir, 'prompts', issueDir, `job-${job.id}.md`),
    messageFile: path.join(stateDir, 'prompts', issueDir, `job-${job.id}.message.txt`),
    sessionFile: path.join(stateDir, 'sessions', `${issueDir}.session`),
    logFile: path.join(stateDir, 'logs', `job-${job.id}.log`),
  };
}
