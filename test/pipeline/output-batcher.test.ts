import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { OutputBatcher } from '../../src/pipeline/output-batcher.js';
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite-store.js';
import { memoryLogger } from '../support/test-logger.js';
import { admitOptions, delivery, newJob } from '../engine/contract-fixtures.js';

const dirs: string[] = [];
const stores: SqliteStore[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function storeWithJob(): Promise<{ store: SqliteStore; jobId: string }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'kugetsu-batcher-'));
  dirs.push(dir);
  const store = openSqliteStore({ file: path.join(dir, 'kugetsu.db') });
  stores.push(store);
  const outcome = await store.admit(delivery('d-1'), newJob(1, { deliveryId: 'd-1' }), admitOptions());
  if (outcome.kind !== 'accepted') throw new Error(outcome.kind);
  return { store, jobId: outcome.job.id };
}

describe('OutputBatcher', () => {
  it('writes many small pieces in few appends, in order, and the rest on close', async () => {
    const { store, jobId } = await storeWithJob();
    const writes: string[] = [];
    const batcher = new OutputBatcher({ write: (text) => (writes.push(text), store.appendOutput(jobId, text)), logger: memoryLogger().logger });
    const pieces = Array.from({ length: 200 }, (_, i) => `line ${i} ✨\n`);
    for (const piece of pieces) batcher.push(piece);
    await batcher.close();
    expect((await store.readOutput(jobId)).text).toBe(pieces.join(''));
    expect(writes.length).toBeLessThan(pieces.length);
    batcher.push('after close');
    await batcher.close();
    expect((await store.readOutput(jobId)).text).toBe(pieces.join(''));
  });

  it('writes a full batch without waiting for the interval or the end', async () => {
    const { store, jobId } = await storeWithJob();
    const batcher = new OutputBatcher({ write: (text) => store.appendOutput(jobId, text), logger: memoryLogger().logger, intervalMs: 3_600_000, maxBatch: 1000 });
    batcher.push('x'.repeat(600));
    batcher.push('y'.repeat(600));
    await expect.poll(async () => (await store.readOutput(jobId)).total, { timeout: 5000 }).toBe(1200);
    await batcher.close();
  });

  it('logs a failing write (a few times at most) and goes on; close never rejects', async () => {
    const { store, jobId } = await storeWithJob();
    const log = memoryLogger();
    let fail = true;
    const batcher = new OutputBatcher({ write: (text) => (fail ? Promise.reject(new Error('database away')) : store.appendOutput(jobId, text)), logger: log.logger, maxBatch: 1 });
    for (let i = 0; i < 5; i++) batcher.push(`lost ${i}\n`);
    await batcher.close().then(() => undefined);
    const warnings = log.lines.filter((l) => l.msg.includes('could not be written to the database'));
    expect(warnings).toHaveLength(3);
    expect(warnings[0]!.err.message).toBe('database away');
    fail = false;
    const next = new OutputBatcher({ write: (text) => store.appendOutput(jobId, text), logger: log.logger });
    next.push('kept\n');
    await next.close();
    expect((await store.readOutput(jobId)).text).toBe('kept\n');
  });
});
