import { describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../src/engine/engine-events.js';
import { accepted, claimOf, finish } from './contract-fixtures.js';
import type { ContractContext } from './store-contract.js';

const T0 = Date.parse('2025-01-01T00:10:00.000Z');
const bytes = (text: string) => Buffer.byteLength(text, 'utf8');

/** A job's output kept in the engine: appends, offsets in bytes, the newest bytes kept, reads across stores. */
export function outputContract(ctx: ContractContext): void {
  describe('job output', () => {
    it('appends and reads back by byte offsets, in pieces that never split a character', async () => {
      const store = await ctx.open();
      const job = await accepted(store, 7);
      expect(await store.readOutput(job.id)).toStrictEqual({ text: '', next: 0, dropped: 0, total: 0, done: false });
      const parts = ['line 1\n', 'ünïcødé ✨ 🎉\n', '', 'last'];
      for (const part of parts) await store.appendOutput(job.id, part);
      const all = parts.join('');
      const whole = await store.readOutput(job.id);
      expect(whole).toStrictEqual({ text: all, next: bytes(all), dropped: 0, total: bytes(all), done: false });

      // A live tail reads on from `next`, a few bytes at a time: the pieces join to the whole.
      let after = 0;
      let joined = '';
      for (let i = 0; i < 100 && after < whole.total; i++) {
        const piece = await store.readOutput(job.id, { after, limitBytes: 3 });
        expect(piece.text.length).toBeGreaterThan(0);
        expect(bytes(piece.text)).toBe(piece.next - after);
        joined += piece.text;
        after = piece.next;
      }
      expect(joined).toBe(all);
      // Reading past the end gives nothing, at the end.
      expect(await store.readOutput(job.id, { after: whole.total + 10 })).toMatchObject({ text: '', next: whole.total });
    });

    it('keeps only the newest maxBytes, says how many were dropped, and a big append keeps its tail', async () => {
      const store = await ctx.open({ outputMaxBytes: 1024 });
      const job = await accepted(store, 7);
      const line = (i: number) => `${String(i).padStart(4, '0')} ${'é'.repeat(50)}\n`; // 106 bytes
      let all = '';
      for (let i = 0; i < 30; i++) {
        all += line(i);
        await store.appendOutput(job.id, line(i));
      }
      const read = await store.readOutput(job.id);
      expect(read.total).toBe(bytes(all));
      expect(read.dropped).toBe(read.total - bytes(read.text));
      expect(bytes(read.text)).toBeLessThanOrEqual(1024);
      expect(bytes(read.text)).toBeGreaterThan(1024 - 4);
      expect(all.endsWith(read.text)).toBe(true);
      // An offset inside the dropped part reads from the oldest kept byte.
      expect((await store.readOutput(job.id, { after: 5 })).text).toBe(read.text);

      const big = `${'x'.repeat(3000)}THE END`;
      await store.appendOutput(job.id, big);
      const after = await store.readOutput(job.id);
      expect(after.total).toBe(bytes(all) + 3007);
      expect(after.text).toBe(big.slice(-1024));
      expect(after.dropped).toBe(after.total - 1024);
    });

    it('is shared by every store on the database, done once the job is finished, empty and done for an unknown job', async () => {
      const location = await ctx.fresh();
      const worker = await ctx.open({ location });
      const dashboard = await ctx.open({ location });
      const job = await accepted(worker, 7);
      const [running] = await worker.claim(claimOf('w1', T0));
      await worker.appendOutput(running!.id, 'building…\n');
      expect(await dashboard.readOutput(job.id)).toMatchObject({ text: 'building…\n', done: false });
      await finish(worker, running!, 'w1');
      expect(await dashboard.readOutput(job.id)).toMatchObject({ text: 'building…\n', done: true });
      expect(await dashboard.readOutput('999')).toStrictEqual({ text: '', next: 0, dropped: 0, total: 0, done: true });
      expect(await dashboard.readOutput('not-an-id')).toStrictEqual({ text: '', next: 0, dropped: 0, total: 0, done: true });
    });

    it('refuses an unknown job and bad offsets with clear errors', async () => {
      const store = await ctx.open();
      const job = await accepted(store, 7);
      await expect(store.appendOutput('999', 'x')).rejects.toThrow('job 999 does not exist');
      await expect(store.readOutput(job.id, { after: -1 })).rejects.toThrow(RangeError);
      await expect(store.readOutput(job.id, { limitBytes: 0 })).rejects.toThrow(RangeError);
      await expect(store.readOutput(job.id, { after: 1.5 })).rejects.toThrow(RangeError);
    });

    it('is deleted with its job by prune', async () => {
      const store = await ctx.open();
      const job = await accepted(store, 7);
      await store.appendOutput(job.id, 'output of a job pruned later');
      await store.update(job.id, { state: 'succeeded', finishedAt: '2025-01-01T00:00:00.000Z' });
      expect((await store.prune(new Date('2025-02-01T00:00:00.000Z'))).jobIds).toEqual([job.id]);
      expect(await store.readOutput(job.id)).toStrictEqual({ text: '', next: 0, dropped: 0, total: 0, done: true });
    });

    it('announces appends as output events, at most about once a second per job, the last of a burst included', async () => {
      const store = await ctx.open();
      const job = await accepted(store, 7);
      const seen: EngineEvent[] = [];
      const unsubscribe = store.subscribe((event) => {
        if (event.kind === 'output') seen.push(event);
      });
      await store.appendOutput(job.id, 'a');
      expect(seen).toStrictEqual([{ kind: 'output', jobId: job.id }]);
      for (let i = 0; i < 5; i++) await store.appendOutput(job.id, 'b');
      expect(seen).toHaveLength(1);
      await expect.poll(() => seen.length, { timeout: 3000, interval: 50 }).toBe(2);
      expect(seen[1]).toStrictEqual({ kind: 'output', jobId: job.id });
      unsubscribe();
    });
  });
}
