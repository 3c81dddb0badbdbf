import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { issueKey } from '../../../src/domain/issue-key.js';
import { statusCommentItem } from '../../../src/domain/outbox.js';
import type { JobStore } from '../../../src/store/job-store.js';
import { openSqliteStore } from '../../../src/store/sqlite-store.js';
import type { Job } from '../../../src/domain/job.js';

/** Admits a command delegation on `acme/app#n` (state `queued`); `delivery` names it (another one for a second job on the issue). */
export async function admitJob(store: JobStore, n: number, message = `fix issue ${n}`, delivery = `d-${n}`): Promise<Job> {
  const outcome = await store.admit(
    { id: delivery, eventType: 'issue_comment', eventKey: `comment:acme/app:${n}${delivery === `d-${n}` ? '' : `:${delivery}`}:created`, receivedAt: new Date().toISOString() },
    {
      issueKey: issueKey('acme', 'app', n),
      repo: { owner: 'acme', name: 'app', fullName: 'acme/app', cloneUrl: 'https://gitea.example/acme/app.git', defaultBranch: 'main', htmlUrl: 'https://gitea.example/acme/app' },
      issueNumber: n,
      replyTo: n,
      trigger: 'command',
      message,
      sender: { id: 3, login: 'alice' },
      deliveryId: delivery,
      branch: `kugetsu/issue-${n}`,
      agent: 'opencode',
    },
    { requireIdleIssue: false, outbox: (job) => [statusCommentItem(job)] },
  );
  if (outcome.kind !== 'accepted') throw new Error(`job not admitted: ${outcome.kind}`);
  return outcome.job;
}

/**
 * A state dir whose database holds: job 1 succeeded (with a 3-line output in the engine and in its
 * log file), job 2 failed in the agent phase, job 3 running, job 4 queued. The store is closed
 * again, as the server's would be.
 */
export async function fillStateDir(stateDir: string): Promise<void> {
  await fillStore(openSqliteStore({ file: path.join(stateDir, 'kugetsu.db') }));
  mkdirSync(path.join(stateDir, 'logs'), { recursive: true });
  writeFileSync(path.join(stateDir, 'logs', 'job-1.log'), 'reading the issue\nediting src/app.ts\ndone\n');
}

/** Fills `store` with the four jobs of {@link fillStateDir} (job 1's output in the engine), then closes it. */
export async function fillStore(store: JobStore): Promise<void> {
  const result = { exitCode: 0, timedOut: false, canceled: false, durationMs: 4000, outputTail: '', newCommits: 1, pushed: true };
  const j1 = await admitJob(store, 1);
  await store.update(j1.id, { state: 'running', startedAt: '2025-01-01T00:00:00.000Z' });
  await store.appendOutput(j1.id, 'reading the issue\nediting ');
  await store.appendOutput(j1.id, 'src/app.ts\ndone\n');
  await store.update(j1.id, { state: 'succeeded', finishedAt: '2025-01-01T00:00:04.000Z', result: { ...result, sessionId: 'ses_1' } });
  const j2 = await admitJob(store, 2);
  await store.update(j2.id, { state: 'running', startedAt: '2025-01-01T00:01:00.000Z' });
  await store.update(
    j2.id,
    {
      state: 'failed',
      finishedAt: '2025-01-01T00:01:02.000Z',
      result: { ...result, exitCode: 3, durationMs: 2000, newCommits: 0, pushed: false, failedPhase: 'agent', error: 'The agent exited with code 3.' },
    },
    [],
    'agent exit 3',
  );
  const j3 = await admitJob(store, 3);
  await store.update(j3.id, { state: 'running', startedAt: new Date().toISOString() });
  await admitJob(store, 4);
  await store.close();
}
