import { describe, expect, it } from 'vitest';
import type { AgentRun } from '../../src/bench/agent-run-log.js';
import { checkFleetRuns } from '../../src/bench/fleet-check.js';
import type { Job } from '../../src/domain/job.js';

const job = (id: string, over: Partial<Job> = {}): Job => ({ id, state: 'succeeded', attempt: 1, issueKey: `bench/app#${id}`, ...over }) as Job;
const run = (phase: AgentRun['phase'], job: string, worker: string, pid: number, atMs: number): AgentRun => ({ phase, issueKey: `bench/app#${job}`, worker, job, pid, atMs });
/** A turn of `job` on `worker` from `at` to `at + ms`. */
const turn = (jobId: string, worker: string, pid: number, at: number, ms = 1000) => [run('start', jobId, worker, pid, at), run('end', jobId, worker, pid, at + ms)];

describe('checkFleetRuns (the benchmark fails on these)', () => {
  it('accepts every job succeeded with one turn each, within the slots', () => {
    const runs = [...turn('1', 'w1', 11, 0), ...turn('2', 'w1', 12, 0), ...turn('3', 'w1', 13, 1000)];
    expect(checkFleetRuns({ jobs: [job('1'), job('2'), job('3')], runs, expected: 3, slots: { w1: 2 } })).toEqual({ ok: true, problems: [] });
  });

  it('a turn run twice, a lost turn, a missing job, a failed job and a worker over its slots', () => {
    const runs = [...turn('1', 'w1', 11, 0), ...turn('1', 'w2', 21, 2000), ...turn('3', 'w1', 13, 0), ...turn('4', 'w1', 14, 0)];
    const { ok, problems } = checkFleetRuns({ jobs: [job('1'), job('2'), job('3', { state: 'failed' }), job('4')], runs, expected: 5, slots: { w1: 2, w2: 2 } });
    expect(ok).toBe(false);
    expect(problems).toEqual(
      expect.arrayContaining([
        '4 jobs stored, 5 delegated',
        expect.stringMatching(/^1 jobs did not succeed/),
        'job 1: its turn ended 2 times (expected once)',
        'job 1: its turn started 2 times (expected 1)',
        'job 2: its turn ended 0 times (expected once)',
        'w1 ran 3 agents at once (2 slots)',
      ]),
    );
  });

  it('a taken-over job starts twice and ends once, as attempt 2; its cut-short turn counts until the kill', () => {
    const runs = [run('start', '1', 'v', 11, 0), ...turn('1', 's1', 21, 40_000)];
    const jobs = [{ ...job('1'), attempt: 2 }];
    expect(checkFleetRuns({ jobs, runs, expected: 1, slots: { v: 1, s1: 2 }, rerun: new Set(['1']), killedAtMs: 5_000 }).ok).toBe(true);
    expect(checkFleetRuns({ jobs: [job('1')], runs, expected: 1, slots: { v: 1, s1: 2 }, rerun: new Set(['1']), killedAtMs: 5_000 }).problems).toEqual([
      'job 1: attempt 1 (expected 2)',
    ]);
  });
});
