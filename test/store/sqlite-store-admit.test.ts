import { describe, expect, it } from 'vitest';
import type { AdmitOutcome } from '../../src/store/job-store.js';
import type { Job } from '../../src/domain/job.js';
import { admitOptions, delivery, key, newJob, openStore } from './store-fixtures.js';

describe('SqliteStore admit', () => {
  it('commits 50 concurrent admits in one batch, with duplicates decided in arrival order', async () => {
    const batches: number[] = [];
    const store = openStore({ onBatch: (n) => batches.push(n) });
    // Event keys repeat every 20 calls; delivery ids repeat for calls 45..49 (same as 0..4).
    const calls = Array.from({ length: 50 }, (_, i) => ({ deliveryId: i >= 45 ? `d-${i - 45}` : `d-${i}`, eventKey: `event-${i % 20}` }));
    const outcomes = await Promise.all(calls.map((c, i) => store.admit(delivery(c.deliveryId, c.eventKey), newJob(i + 1, { deliveryId: c.deliveryId }), admitOptions())));
    expect(batches).toEqual([50]);

    const expected: AdmitOutcome[] = calls.map((c, i) => {
      if (i >= 45) return { kind: 'duplicate', jobId: String(i - 45 + 1), by: 'delivery' };
      if (i >= 20) return { kind: 'duplicate', jobId: String((i % 20) + 1), by: 'event' };
      return { kind: 'accepted', job: expect.objectContaining({ id: String(i + 1), issueNumber: i + 1, deliveryId: c.deliveryId }) as Job };
    });
    expect(outcomes).toEqual(expected);
    expect((await store.recent(100)).map((j) => j.id).reverse()).toEqual(Array.from({ length: 20 }, (_, i) => String(i + 1)));
  });

  it('splits a large tick into transactions of at most maxBatch, keeping arrival order', async () => {
    const batches: number[] = [];
    const store = openStore({ maxBatch: 20, onBatch: (n) => batches.push(n) });
    const outcomes = await Promise.all(Array.from({ length: 50 }, (_, i) => store.admit(delivery(`d-${i % 45}`), newJob(i + 1), admitOptions())));
    expect(batches).toEqual([20, 20, 10]);
    expect(outcomes.map((o) => (o.kind === 'accepted' ? o.job.id : `${o.kind}:${o.kind === 'duplicate' ? o.jobId : ''}`))).toEqual([
      ...Array.from({ length: 45 }, (_, i) => String(i + 1)),
      ...Array.from({ length: 5 }, (_, i) => `duplicate:${i + 1}`),
    ]);
  });

  it('decides busy inside one batch as sequential admits would', async () => {
    const store = openStore();
    const outcomes = await Promise.all([
      store.admit(delivery('a'), newJob(7), admitOptions(true)),
      store.admit(delivery('b'), newJob(7), admitOptions(true)),
      store.admit(delivery('c'), newJob(8), admitOptions(true)),
    ]);
    expect(outcomes.map((o) => o.kind)).toEqual(['accepted', 'busy', 'accepted']);
  });

  it('rolls back only the admit that throws; its batch-mates commit', async () => {
    const batches: number[] = [];
    const store = openStore({ onBatch: (n) => batches.push(n) });
    const cyclic = newJob(2);
    (cyclic.sender as unknown as Record<string, unknown>).self = cyclic.sender; // JSON cannot serialise it
    const outcomes = await Promise.allSettled([
      store.admit(delivery('d-1'), newJob(1), admitOptions()),
      // Throws after its job, history and delivery rows were written: the savepoint undoes them.
      store.admit(delivery('d-boom'), newJob(9), {
        requireIdleIssue: false,
        outbox: () => {
          throw new Error('injected failure');
        },
      }),
      store.admit(delivery('d-2'), cyclic, admitOptions()),
      store.admit(delivery('d-3'), newJob(3), admitOptions()),
    ]);
    expect(batches).toEqual([4]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
    expect((outcomes[1] as PromiseRejectedResult).reason).toEqual(new Error('injected failure'));
    expect((outcomes[2] as PromiseRejectedResult).reason).toBeInstanceOf(TypeError);
    const jobs = await store.recent(10);
    expect(jobs.map((j) => [j.id, j.issueNumber])).toEqual([
      ['2', 3],
      ['1', 1],
    ]);
    expect(await store.hasEvent('d-boom')).toBe(false);
    expect(await store.isIssueActive(key(9))).toBe(false);
    expect((await store.outboxDue(Date.now() + 1000, 10)).map((i) => i.key)).toEqual(['status:1', 'status:2']);
    expect(await store.history('2')).toEqual([{ state: 'queued', at: jobs[0]!.createdAt }]);
    // The failed delivery can be admitted again later.
    expect((await store.admit(delivery('d-boom'), newJob(9), admitOptions())).kind).toBe('accepted');
  });

  it('orders writes of one tick as called: an update queued after an admit sees its job', async () => {
    const store = openStore();
    const admitted = store.admit(delivery('d-1'), newJob(7), admitOptions());
    const updated = store.update('1', { state: 'running' });
    const [outcome, job] = await Promise.all([admitted, updated]);
    expect(outcome.kind).toBe('accepted');
    expect(job.state).toBe('running');
  });
});
