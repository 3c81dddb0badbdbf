import type { FakeGitea } from '../../src/sandbox/fake-gitea.js';
import { DEFAULT_REPORT_SETTINGS, finishedItems, runningItems, type ReportSettings } from '../../src/report/report-items.js';
import type { Job, JobResult, JobState } from '../../src/domain/job.js';
import type { SqliteStore } from '../../src/store/sqlite-store.js';

/** A result of a turn: succeeded and pushed (`headSha`), or failed in the agent phase. */
export function resultOf(state: JobState, headSha?: string): JobResult {
  return state === 'succeeded'
    ? { exitCode: 0, timedOut: false, canceled: false, durationMs: 192_000, outputTail: '', summary: 'Added hello.txt.', newCommits: 1, pushed: headSha !== undefined, headSha }
    : {
        exitCode: 1,
        timedOut: false,
        canceled: state === 'canceled',
        durationMs: 61_000,
        outputTail: 'boom',
        newCommits: 0,
        pushed: false,
        failedPhase: 'agent',
        error: 'The agent exited with code 1.',
      };
}

/**
 * Moves a job to `state` and enqueues in the same commit what the job runner does there
 * (`runningItems` / `finishedItems` with `settings`). Returns the stored job.
 */
export async function advance(store: SqliteStore, job: Job, state: JobState, options: { settings?: ReportSettings; headSha?: string } = {}): Promise<Job> {
  const settings = options.settings ?? DEFAULT_REPORT_SETTINGS;
  if (state === 'running') return store.update(job.id, { state, startedAt: new Date().toISOString() }, runningItems(job, settings));
  const current = (await store.get(job.id)) ?? job;
  const result = resultOf(state, options.headSha);
  return store.update(job.id, { state, result, finishedAt: new Date().toISOString() }, finishedItems(current, state, result, settings));
}

/** The repository's labels whose names start with `kugetsu/`, as `name #color description`. */
export function stateLabelsOf(fake: FakeGitea): string[] {
  return fake
    .repo('acme/app')
    .labels.filter((l) => l.name.startsWith('kugetsu/'))
    .map((l) => `${l.name} #${l.color} ${l.description}`);
}

/** The id of the repository label `name`. */
export function labelId(fake: FakeGitea, name: string): number {
  const label = fake.repo('acme/app').labels.find((l) => l.name === name);
  if (!label) throw new Error(`no label ${name}`);
  return label.id;
}
