import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { createLocalOrigin } from '../sandbox/local-origin.js';
import { startChild } from './child.js';
import { startQueueingKugetsu } from './queueing-kugetsu.js';
import type { GiteaInfo } from './target-gitea.js';
import type { MemorySample } from './target-kugetsu.js';

/** Measurement 5. */
export interface MemoryResult {
  idle: MemorySample;
  queued: MemorySample;
  jobs: number;
  /** ms to admit the jobs through the dispatcher (500 at a time). */
  admitMs: number;
  /** Outbox items still pending when the queued sample was taken. */
  outboxPending: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Measurement 5, memory of the real service (own process, `--expose-gc`, fake Gitea in another
 * process): RSS and heap after GC when started with nothing queued, then with `jobs` delegations
 * admitted through the dispatcher and store (over 1,000 issues) while the one agent slot is held
 * by a sleeping agent, so they all stay queued. The second sample waits (at most `settleMs`) for
 * the outbox to send the jobs' status comments, so it shows the steady queued state.
 */
export async function measureMemory(options: { tmp: string; jobs: number; settleMs: number; log: (line: string) => void }): Promise<MemoryResult> {
  const { tmp } = options;
  mkdirSync(tmp, { recursive: true });
  const origin = createLocalOrigin(tmp);
  const gitea = await startChild<GiteaInfo>('target-gitea', { origin, issues: 1000, commands: [{ idBase: 30_000_000, issues: 1000 }] });
  const stateDir = path.join(tmp, 'state');
  const kugetsu = await startQueueingKugetsu({ stateDir, gitea: gitea.info, secret: randomBytes(16).toString('hex'), execArgv: ['--expose-gc'] });
  try {
    await sleep(1000);
    const idle = await kugetsu.call<MemorySample>('memory');
    const t = Date.now();
    const admitted = await kugetsu.call<{ accepted: number; jobs: number }>('admit', {
      count: options.jobs,
      issues: 1000,
      repo: gitea.info.repo,
      sender: gitea.info.alice,
      idBase: 30_000_000,
    });
    const admitMs = Date.now() - t;
    // One job is running (the sleeping agent holds the slot); every other one is queued.
    if (admitted.accepted !== options.jobs || admitted.jobs < options.jobs - 1)
      throw new Error(`memory: ${admitted.accepted} of ${options.jobs} delegations acknowledged, ${admitted.jobs} queued`);
    // Read at least once: with no wait (the quick run) the count is still what the sample sees.
    const pendingNow = async () => (await kugetsu.call<{ outbox: { pending: number } }>('health')).outbox.pending;
    let pending = await pendingNow();
    for (const end = Date.now() + options.settleMs; pending > 0 && Date.now() < end; ) {
      await sleep(250);
      pending = await pendingNow();
    }
    const queued = await kugetsu.call<MemorySample>('memory');
    options.log(
      `memory: idle RSS ${idle.rssMb} MB, with ${options.jobs} queued ${queued.rssMb} MB (outbox pending ${pending}; V8 heap ${queued.heapTotalMb} MB reserved, ${queued.heapUsedMb} MB used; RSS anonymous ${queued.rssAnonMb ?? '?'} MB, files ${queued.rssFileMb ?? '?'} MB)`,
    );
    return { idle, queued, jobs: options.jobs, admitMs, outboxPending: pending };
  } finally {
    await kugetsu.stop(60_000, { fast: true });
    await gitea.stop();
  }
}
