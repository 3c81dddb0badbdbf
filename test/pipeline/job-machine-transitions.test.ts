import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { allowed, TRANSITIONS, type TransitionKind } from '../../src/domain/job-transitions.js';
import type { JobChange } from '../../src/engine/job-queue.js';
import { JobMachine } from '../../src/pipeline/job-machine.js';
import type { JobStore } from '../../src/store/job-store.js';
import type { Job, JobResult } from '../../src/domain/job.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import { admitOptions, claimOf, delivery, newJob } from '../engine/contract-fixtures.js';

const T0 = Date.parse('2025-01-01T00:00:00.000Z');

const done = (over: Partial<JobResult> = {}): JobResult => ({
  exitCode: 0,
  timedOut: false,
  canceled: false,
  durationMs: 10,
  outputTail: '',
  newCommits: 0,
  pushed: false,
  ...over,
});

const settings = () => ({ stateLabels: false, autoPullRequest: false }) as never;

/** A real SQLite store whose `change` calls are recorded (the transition kind is read from the machine's call order). */
function recordingStore(dir: string) {
  const store = openSqliteStore({ file: path.join(dir, 'jobs.db') });
  const changes: { before: Job['state']; change: JobChange; after: Job['state'] | undefined }[] = [];
  const recorded: Pick<JobStore, 'change' | 'requestCancel' | 'enqueue' | 'get'> = {
    get: (id) => store.get(id),
    enqueue: (items) => store.enqueue(items),
    requestCancel: (id) => store.requestCancel(id),
    change: async (id, change) => {
      const before = (await store.get(id))!.state;
      const after = await store.change(id, change);
      changes.push({ before, change, after: after?.state });
      return after;
    },
  };
  return { store, changes, recorded };
}

describe('the job state machine follows domain/job-transitions.ts', () => {
  let dir: string;
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('every transition it makes in a job life (claim, start, wait, interrupt, finish, cancel) is one TRANSITIONS allows', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'kugetsu-machine-'));
    const { store, changes, recorded } = recordingStore(dir);
    const machine = new JobMachine({ store: recorded, reportSettings: settings, maxAttempts: 2 });
    const kinds: TransitionKind[] = [];
    const step = async <T>(kind: TransitionKind, run: () => Promise<T>) => {
      kinds.push(kind);
      return run();
    };

    const a = await store.admit(delivery('a'), newJob(1, { deliveryId: 'a' }), admitOptions());
    const b = await store.admit(delivery('b'), newJob(2, { deliveryId: 'b' }), admitOptions());
    if (a.kind !== 'accepted' || b.kind !== 'accepted') throw new Error('not admitted');

    let [job] = await store.claim(claimOf('w1', T0));
    expect(job?.id).toBe(a.job.id);
    job = (await step('start', () => machine.start(job!, 'w1', 'a'.repeat(40), job!.repo)))!;
    job = (await step('wait', () => machine.wait(job!, { reason: 'gitea', detail: 'Gitea did not answer', until: new Date(T0 + 1000).toISOString() }, 'w1')))!;
    [job] = await store.claim(claimOf('w1', T0 + 2000));
    expect(job?.id).toBe(a.job.id);
    job = (await step('interrupt', () => machine.interrupt(job!, 'worker w1 stopped', 'w1')))!;
    [job] = await store.claim(claimOf('w2', T0 + 3000));
    const finished = await step('finish', () => machine.finish(job!, 'w2', 'failed', done({ exitCode: 1 })));
    expect(finished?.state).toBe('failed');
    const other = (await store.get(b.job.id))!;
    expect(await step('wait', () => machine.wait(other, { reason: 'rate-limit', detail: 'too many', until: new Date(T0 + 9e6).toISOString() }))).toBeDefined();
    expect(await step('cancel', () => machine.cancel(other))).toBe('canceled');

    expect(changes.map((c) => c.after)).toEqual(['running', 'waiting', 'queued', 'failed', 'waiting', 'canceled']);
    changes.forEach(({ before, change, after }, i) => {
      const kind = kinds[i]!;
      for (const from of change.expect) expect(TRANSITIONS[kind].from, `${kind} expects ${from}`).toContain(from);
      expect(allowed(kind, before, after!), `${kind}: ${before} → ${after}`).toBe(true);
    });
    store.close();
  });

  it('refuses, as a bug, a transition the table does not allow (the table is the rule, not a comment)', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'kugetsu-machine-'));
    const { store, recorded, changes } = recordingStore(dir);
    const machine = new JobMachine({ store: recorded, reportSettings: settings, maxAttempts: 2 });
    await store.admit(delivery('a'), newJob(1, { deliveryId: 'a' }), admitOptions());
    const [job] = await store.claim(claimOf('w1', T0));
    const finish = TRANSITIONS.finish as { from: readonly string[]; to: readonly string[] };
    const saved = finish.to;
    finish.to = ['succeeded', 'canceled'];
    try {
      await expect(machine.finish(job!, 'w1', 'failed', done({ exitCode: 1 }))).rejects.toThrow(/'finish' may not take a job from running to failed/);
    } finally {
      finish.to = saved;
    }
    expect(changes).toEqual([]);
    expect((await store.get(job!.id))?.state).toBe('running');
    store.close();
  });
});
