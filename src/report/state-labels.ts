import type { Job, JobState } from '../domain/job.js';

/** The four states kugetsu mirrors on an issue as labels. */
export type StateLabelKey = 'queued' | 'running' | 'done' | 'failed';

/** A state label as kugetsu creates it in a repository (Gitea v1.25.4 swagger `CreateLabelOption`). */
export interface StateLabelSpec {
  key: StateLabelKey;
  name: string;
  /** Six hex digits without `#` (Gitea accepts both). */
  color: string;
  description: string;
}

/** The state labels, in lifecycle order: grey queued, blue running, green done, red failed. */
export const STATE_LABELS: readonly StateLabelSpec[] = [
  { key: 'queued', name: 'kugetsu/queued', color: 'c5c8ce', description: 'kugetsu: a job for this issue is waiting for an agent' },
  { key: 'running', name: 'kugetsu/running', color: '1f75cb', description: 'kugetsu: an agent is working on this issue' },
  { key: 'done', name: 'kugetsu/done', color: '2ea44f', description: 'kugetsu: the last job for this issue succeeded' },
  { key: 'failed', name: 'kugetsu/failed', color: 'd73a4a', description: 'kugetsu: the last job for this issue failed' },
];

/** The label a job state is shown as; `undefined` (no label) for `canceled`. */
export function stateLabelKey(state: JobState): StateLabelKey | undefined {
  switch (state) {
    case 'queued':
    case 'running':
    case 'failed':
      return state;
    case 'waiting':
      return 'queued';
    case 'succeeded':
      return 'done';
    case 'canceled':
      return undefined;
  }
}

/**
 * The label an issue should carry given all its jobs (arrival order): `running` while one runs,
 * else `queued` while one waits, else the outcome of the newest job (`done`, `failed`, or no label
 * after a cancel). `fallback` is used when the issue has no job (pruned).
 */
export function issueLabelKey(jobs: readonly Pick<Job, 'state'>[], fallback: JobState): StateLabelKey | undefined {
  if (jobs.some((j) => j.state === 'running')) return 'running';
  if (jobs.some((j) => j.state === 'queued' || j.state === 'waiting')) return 'queued';
  const newest = jobs.at(-1);
  return stateLabelKey(newest ? newest.state : fallback);
}
