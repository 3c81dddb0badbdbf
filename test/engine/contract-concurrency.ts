import { describe, expect, it } from 'vitest';
import type { AdmitOutcome, JobStore } from '../../src/store/job-store.js';
import { accepted, admitOptions, comment, delivery, key, newJob } from './contract-fixtures.js';
import type { ContractContext } from './store-contract.js';

/** Several stores on one database — what several kugetsu processes sharing it see. */
async function instances(ctx: ContractContext, count: number): Promise<JobStore[]> {
  const location = await ctx.fresh();
  // Opened at once: their migrations race on the fresh database too.
  return Promise.all(Array.from({ length: count }, () => ctx.open({ location })));
}

function acceptedIn(outcomes: AdmitOutcome[]) {
  return outcomes.flatMap((o) => (o.kind === 'accepted' ? [o.job] : []));
}

/**
 * Races that matter once several processes share one database: each is run with several store
 * instances on one database, every call started at once.
 */
export function concurrencyContract(ctx: ContractContext): void {
  describe('several stores on one database', () => {
    it('open at once on a fresh database: one schema, each sees what the others write', async () => {
      const [a, b, c] = await instances(ctx, 3);
      const job = await accepted(a!, 7);
      expect(await b!.get(job.id)).toStrictEqual(job);
      await c!.update(job.id, { state: 'running' });
      expect((await a!.get(job.id))!.state).toBe('running');
    });

    it('admit one event under many delivery ids at once: one job, every other answer names it', async () => {
      const stores = await instances(ctx, 3);
      const calls = Array.from({ length: 24 }, (_, i) =>
        stores[i % 3]!.admit(delivery(`copy-${i}`, 'comment:acme/app:77:created'), newJob(7, { deliveryId: `copy-${i}` }), admitOptions()),
      );
      const outcomes = await Promise.all(calls);
      const jobs = acceptedIn(outcomes);
      expect(jobs).toHaveLength(1);
      const id = jobs[0]!.id;
      for (const o of outcomes) if (o.kind !== 'accepted') expect(o).toStrictEqual({ kind: 'duplicate', jobId: id, by: 'event' });
      const store = stores[0]!;
      expect((await store.recent(100)).map((j) => j.id)).toEqual([id]);
      expect(await store.history(id)).toHaveLength(1);
      expect((await store.outboxDue(Date.now() + 60_000, 100)).map((i) => i.key)).toEqual([`status:${id}`]);
      expect(await store.handled({ id: jobs[0]!.deliveryId, eventKey: 'x' })).toStrictEqual({ jobId: id, by: 'delivery' });
    });

    it('admit one delivery id (a redelivery) on different issues at once: one job', async () => {
      const stores = await instances(ctx, 2);
      const outcomes = await Promise.all(
        Array.from({ length: 10 }, (_, i) => stores[i % 2]!.admit(delivery('same-delivery', `event-${i}`), newJob(i + 1, { deliveryId: 'same-delivery' }), admitOptions())),
      );
      const jobs = acceptedIn(outcomes);
      expect(jobs).toHaveLength(1);
      for (const o of outcomes) if (o.kind !== 'accepted') expect(o).toStrictEqual({ kind: 'duplicate', jobId: jobs[0]!.id, by: 'delivery' });
      expect(await stores[1]!.recent(100)).toHaveLength(1);
    });

    it('admit different events on one idle-required issue at once: one job, the rest busy', async () => {
      const stores = await instances(ctx, 3);
      const outcomes = await Promise.all(
        Array.from({ length: 12 }, (_, i) => stores[i % 3]!.admit(delivery(`label-${i}`), newJob(5, { deliveryId: `label-${i}` }), admitOptions(true))),
      );
      expect(acceptedIn(outcomes)).toHaveLength(1);
      expect(outcomes.filter((o) => o.kind === 'busy')).toHaveLength(11);
      expect(await stores[2]!.listByIssue(key(5))).toHaveLength(1);
      // Busy deliveries left nothing behind: each can be admitted later.
      const busy = outcomes.findIndex((o) => o.kind === 'busy');
      expect(await stores[0]!.hasEvent(`label-${busy}`)).toBe(false);
    });

    it('record one event at once from every store: one reply', async () => {
      const stores = await instances(ctx, 3);
      const outcomes = await Promise.all(
        Array.from({ length: 9 }, (_, i) =>
          stores[i % 3]!.recordEvent(delivery(`help-${i}`, 'comment:acme/app:3:created'), [comment('reply:comment:acme/app:3:created', `answer ${i}`)]),
        ),
      );
      expect(outcomes.filter((o) => o.kind === 'recorded')).toHaveLength(1);
      expect(outcomes.filter((o) => o.kind === 'duplicate')).toHaveLength(8);
      expect(await stores[0]!.outboxCounts()).toEqual({ pending: 1, failed: 0 });
    });

    it('defer copies of one event at once: one deferred delivery', async () => {
      const stores = await instances(ctx, 3);
      const outcomes = await Promise.all(Array.from({ length: 9 }, (_, i) => stores[i % 3]!.defer(delivery(`copy-${i}`, 'review:acme/app:8'), `{"copy":${i}}`, 1000, 'Gitea 503')));
      expect(outcomes).toEqual(Array(9).fill('deferred'));
      expect(await stores[1]!.deferredCount()).toBe(1);
    });

    it('enqueue one key at once from every store: one pending row', async () => {
      const stores = await instances(ctx, 3);
      await Promise.all(Array.from({ length: 12 }, (_, i) => stores[i % 3]!.enqueue([comment('status:1', `v${i}`), comment(`own-${i}`)])));
      const due = await stores[0]!.outboxDue(Date.now() + 60_000, 100);
      expect(due.filter((i) => i.key === 'status:1')).toHaveLength(1);
      expect(due).toHaveLength(13);
    });

    it('update one job at once from two stores, each a different field: no update is lost', async () => {
      const [a, b] = await instances(ctx, 2);
      const job = await accepted(a!, 7);
      const rounds = 15;
      // Each store updates in its own order; the two run side by side. A read-modify-write without
      // a row lock would let one store's last write put back the other's older value.
      const chainA = (async () => {
        for (let i = 0; i < rounds; i++) await a!.update(job.id, { note: `note ${i}` });
      })();
      const chainB = (async () => {
        for (let i = 0; i < rounds; i++) await b!.update(job.id, { statusCommentId: 100 + i });
        await b!.update(job.id, { state: 'running' }, [], 'started');
      })();
      await Promise.all([chainA, chainB]);
      const final = (await b!.get(job.id))!;
      expect(final.note).toBe(`note ${rounds - 1}`);
      expect(final.statusCommentId).toBe(100 + rounds - 1);
      expect(final.state).toBe('running');
      expect((await a!.history(job.id)).map((e) => e.state)).toEqual(['queued', 'running']);
    });

    it('admit many distinct events at once from every store: each once, ids unique', async () => {
      const stores = await instances(ctx, 3);
      const outcomes = await Promise.all(
        Array.from({ length: 60 }, (_, i) => stores[i % 3]!.admit(delivery(`d-${i % 40}`, `e-${i % 40}`), newJob((i % 40) + 1, { deliveryId: `d-${i % 40}` }), admitOptions())),
      );
      const jobs = acceptedIn(outcomes);
      expect(jobs).toHaveLength(40);
      expect(new Set(jobs.map((j) => j.id)).size).toBe(40);
      expect(new Set(jobs.map((j) => j.deliveryId)).size).toBe(40);
      const byDelivery = new Map(jobs.map((j) => [j.deliveryId, j.id]));
      outcomes.forEach((o, i) => {
        if (o.kind === 'duplicate') expect(o.jobId).toBe(byDelivery.get(`d-${i % 40}`));
      });
      expect((await stores[2]!.counts()).queued).toBe(40);
    });
  });
}
