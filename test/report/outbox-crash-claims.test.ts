import { describe, expect, it } from 'vitest';
import { renderStatusComment } from '../../src/report/render-status-comment.js';
import { useFakeGitea } from '../support/fake-gitea.js';
import { admitJob, clientFor, seedIssues, startWorker, statusCommentsOf, tempStore } from './outbox-fixtures.js';

const gitea = useFakeGitea({ seed: (fake) => seedIssues(fake, 2) });

/** What a process killed with `kill -9` in the middle of a round leaves: its claims, for 60 s. */
async function claimedByADeadProcess(store: ReturnType<typeof tempStore>) {
  const jobs = [await admitJob(store, 1), await admitJob(store, 2)];
  const claimed = await store.claimOutbox('o:dead:1:00', 100, 60_000, Date.now());
  expect(claimed.map((i) => i.key).sort()).toEqual(jobs.map((j) => `status:${j.id}`).sort());
  return jobs;
}

describe('OutboxWorker after a crash left claims behind', () => {
  it('as the sole sender (embedded database), sends the writes at once and creates each status comment once', async () => {
    const { fake } = gitea;
    const store = tempStore();
    const jobs = await claimedByADeadProcess(store);
    // The dead process's status comment for job 1 had reached Gitea before it died.
    const landed = fake.addComment('acme/app', 1, { body: renderStatusComment(jobs[0]!), author: fake.bot.login });
    const { worker, log } = startWorker({ store, gitea: clientFor(fake), soleSender: true });
    expect(await worker.drain(5000)).toBe(true);
    for (const job of jobs) expect(statusCommentsOf(fake, job)).toHaveLength(1);
    expect((await store.get(jobs[0]!.id))?.statusCommentId).toBe(landed.id);
    expect(log.lines.find((l) => l.msg.startsWith('outbox: released the claims'))?.released).toBe(2);
    // Both were looked up first (claimed before), and only the missing one was created.
    const calls = fake.takeCalls().map((c) => `${c.method} ${c.path.split('?')[0]}`);
    expect(calls.filter((c) => c.startsWith('GET /repos/'))).toEqual(expect.arrayContaining(['GET /repos/acme/app/issues/1/comments', 'GET /repos/acme/app/issues/2/comments']));
    expect(calls.filter((c) => c.startsWith('POST '))).toEqual(['POST /repos/acme/app/issues/2/comments']);
  });

  it("with a shared database, leaves another process's claims until they expire", async () => {
    const { fake } = gitea;
    const store = tempStore();
    const jobs = await claimedByADeadProcess(store);
    const { worker } = startWorker({ store, gitea: clientFor(fake) });
    expect(await worker.drain(1500)).toBe(false);
    for (const job of jobs) expect(statusCommentsOf(fake, job)).toHaveLength(0);
    expect((await store.outboxCounts()).pending).toBe(2);
    expect(fake.takeCalls().filter((c) => c.path.startsWith('/repos/'))).toEqual([]);
  });
});
