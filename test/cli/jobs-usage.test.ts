import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { jobsListCommand, jobsShowCommand } from '../../src/cli/jobs-command.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import type { JobResult } from '../../src/domain/job.js';
import { tempDir, testContext } from './support/cli-kit.js';
import { admitJob } from './support/job-db.js';

/** Issue acme/app#1 with two finished turns that reported usage (one priced by the agent, one by the table), and acme/app#2 with none. */
async function stateDirWithUsage(): Promise<string> {
  const stateDir = tempDir();
  const store = openSqliteStore({ file: path.join(stateDir, 'kugetsu.db') });
  const base: JobResult = { exitCode: 0, timedOut: false, canceled: false, durationMs: 4000, outputTail: '', newCommits: 1, pushed: true };
  const turns: JobResult['usage'][] = [
    { inputTokens: 1200, outputTokens: 300, cacheReadTokens: 5000, cacheWriteTokens: 100, costUsd: 0.0123, costSource: 'agent', model: 'claude-sonnet-4-5' },
    { inputTokens: 800, outputTokens: 100, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 0.002, costSource: 'prices' },
  ];
  for (const [i, usage] of turns.entries()) {
    const job = await admitJob(store, 1, `turn ${i}`, `d-1-${i}`);
    await store.update(job.id, { state: 'running', startedAt: '2025-01-01T00:00:00.000Z' });
    await store.update(job.id, { state: 'succeeded', finishedAt: '2025-01-01T00:00:04.000Z', result: { ...base, usage } });
  }
  const other = await admitJob(store, 2);
  await store.update(other.id, { state: 'running', startedAt: '2025-01-01T00:00:00.000Z' });
  await store.update(other.id, { state: 'succeeded', finishedAt: '2025-01-01T00:00:04.000Z', result: base });
  await store.close();
  return stateDir;
}

describe('kugetsu jobs: tokens and cost per turn and per issue', () => {
  it("list shows each turn's usage and a total per issue over all its jobs", async () => {
    const c = testContext({ KUGETSU_STATE_DIR: await stateDirWithUsage() });
    expect(await jobsListCommand({ limit: 2 }, c)).toBe(0);
    expect(c.output.stdout).toEqual([
      expect.stringMatching(/^#3 .* acme\/app#2 .*4s$/),
      expect.stringMatching(/^#2 .* acme\/app#1 .*4s  tokens: 800 in · 100 out · 0 cache read · 0 cache write · \$0\.0020 \(price table\)$/),
      'per issue (all its jobs):',
      // Job 1 is not listed (limit 2) but counts for its issue.
      '  acme/app#1  2 turn(s)  2,000 in · 400 out · 5,000 cache read · 100 cache write · $0.0143',
    ]);
  });

  it('--json carries the usage of each job and of each issue', async () => {
    const c = testContext({ KUGETSU_STATE_DIR: await stateDirWithUsage() });
    expect(await jobsListCommand({ json: true }, c)).toBe(0);
    const out = JSON.parse(c.output.stdout.join('\n'));
    expect(out.jobs.find((j: { id: string }) => j.id === '1').usage).toMatchObject({ inputTokens: 1200, costUsd: 0.0123, model: 'claude-sonnet-4-5' });
    expect(out.issues).toEqual([{ issueKey: 'acme/app#1', usage: expect.objectContaining({ inputTokens: 2000, turns: 2, costComplete: true }) }]);
  });

  it("show prints the turn's usage with its model and the issue total", async () => {
    const c = testContext({ KUGETSU_STATE_DIR: await stateDirWithUsage() });
    expect(await jobsShowCommand('1', {}, c)).toBe(0);
    expect(c.output.stdout).toContain('  tokens: 1,200 in · 300 out · 5,000 cache read · 100 cache write · $0.0123 (claude-sonnet-4-5)');
    expect(c.output.stdout).toContain('  issue total (2 turn(s)): 2,000 in · 400 out · 5,000 cache read · 100 cache write · $0.0143');
  });
});
