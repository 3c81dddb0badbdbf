import { describe, expect, it } from 'vitest';
import type { Job } from '../../src/domain/job.js';
import type { JobStore } from '../../src/store/job-store.js';
import { admitted, claimOf, finish, jobIn } from './contract-fixtures.js';
import type { ContractContext } from './store-contract.js';

const GLOBAL_MAX = 5;
const REPO_MAX = 3;
const ISSUES = 12;
const JOBS_PER_ISSUE = 3;

/** Running jobs now, in all and of acme/app (one consistent read). */
async function running(store: JobStore): Promise<{ all: number; app: number }> {
  const jobs = (await store.unfinished()).filter((j) => j.state === 'running');
  return { all: jobs.length, app: jobs.filter((j) => j.repo.name === 'app').length };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Many workers on several stores of one database claim at once: what a fleet of worker processes
 * does to the engine. Checked while they run (every claim, and a sampler) and at the end.
 */
export function claimRaceContract(ctx: ContractContext): void {
  describe('claims by many workers at once', () => {
    it('never claims a job twice, keeps each issue in order and never exceeds a cap', async () => {
      const location = await ctx.fresh();
      const stores = await Promise.all([0, 1, 2, 3].map(() => ctx.open({ location })));
      const all: Job[] = [];
      for (let round = 0; round < JOBS_PER_ISSUE; round++) {
        for (let n = 1; n <= ISSUES; n++) all.push(await admitted(stores[0]!, jobIn(n % 2 ? 'app' : 'other', n, `d-${round}-${n}`)));
      }
      const claims: Array<{ job: Job; worker: string }> = [];
      const problems: string[] = [];
      let finished = 0;
      let peak = { all: 0, app: 0 };
      const limits = (job: Job) => (job.repo.name === 'app' ? { repoMax: REPO_MAX } : {});

      const worker = async (store: JobStore, name: string) => {
        let idle = 0;
        while (finished < all.length && idle < 400) {
          const jobs = await store.claim({ ...claimOf(name, Date.now(), { slots: 2, globalMax: GLOBAL_MAX, limits }), now: Date.now() });
          if (jobs.length === 0) {
            idle += 1;
            await pause(2);
            continue;
          }
          idle = 0;
          for (const job of jobs) {
            claims.push({ job, worker: name });
            // Order: once this claim committed, every older job of its issue must have ended.
            const older = (await store.listByIssue(job.issueKey)).filter((j) => Number(j.id) < Number(job.id));
            for (const o of older) if (!['succeeded', 'failed', 'canceled'].includes(o.state)) problems.push(`job ${job.id} claimed while ${o.id} was ${o.state}`);
          }
          await pause(3 + Math.floor(Math.random() * 8));
          for (const job of jobs) {
            if (await finish(store, job, name)) finished += 1;
            else problems.push(`${name} could not finish ${job.id}`);
          }
        }
      };
      const sampler = async () => {
        while (finished < all.length && problems.length === 0) {
          const now = await running(stores[3]!);
          peak = { all: Math.max(peak.all, now.all), app: Math.max(peak.app, now.app) };
          await pause(1);
        }
      };
      await Promise.all([sampler(), ...Array.from({ length: 8 }, (_, i) => worker(stores[i % stores.length]!, `w${i}`))]);

      expect(problems).toEqual([]);
      expect(finished).toBe(all.length);
      // Each job claimed once, by one worker.
      expect(claims.map((c) => c.job.id).sort()).toEqual(all.map((j) => j.id).sort());
      expect(peak.all).toBeLessThanOrEqual(GLOBAL_MAX);
      expect(peak.app).toBeLessThanOrEqual(REPO_MAX);
      expect(peak.all).toBeGreaterThan(1); // the workers did run side by side
      for (const job of all) {
        expect((await stores[1]!.history(job.id)).map((e) => e.state)).toEqual(['queued', 'running', 'succeeded']);
      }
    }, 120_000);
  });
}
