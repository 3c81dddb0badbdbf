import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSessionMarker } from '../../src/agents/session-marker.js';
import { issueKey } from '../../src/domain/issue-key.js';
import { sandboxGit } from '../../src/sandbox/local-origin.js';
import { FAKE_AGENT } from '../agents/support.js';
import { createWorkerWorld, type WorkerWorld } from '../support/worker-world.js';

const BRANCH = 'kugetsu/issue-1';

/**
 * The `command` agent's session travels too: one ingress and two workers (own state dirs, one
 * SQLite file), the fake agent CLI in the real bwrap sandbox. Each turn appends the session id it
 * was given (`in=<KUGETSU_SESSION_ID>`) to `sessions.txt` in the worktree — so origin's branch shows
 * what every turn received — and leaves a new id of its own (`s-<ms>`).
 */
describe('the command agent on several workers (real sandbox, one shared SQLite engine)', () => {
  const dir = path.join(tmpdir(), `kugetsu-any-worker-cmd-${process.pid}-${Date.now()}`);
  let world: WorkerWorld;
  beforeAll(async () => {
    world = await createWorkerWorld(dir, {
      env: { KUGETSU_AGENT: 'command', KUGETSU_AGENT_COMMAND: JSON.stringify(['node', FAKE_AGENT, 'append:sessions.txt:in=${KUGETSU_SESSION_ID}', 'session:s-${NOW}']) },
    });
  });
  afterAll(() => world?.close());

  const received = () => sandboxGit(world.sandbox.origin, ['show', `${BRANCH}:sessions.txt`]).split('\n');

  it("B gets the session A's turn left; then A, preferring the issue whose worktree it has over an older one, continues B's session on its stale copy without losing B's commit", async () => {
    const a = await world.startWorker('a');
    const job1 = await world.finished(await world.label(1));
    expect(job1).toMatchObject({ state: 'succeeded', result: { pushed: true } });
    expect(await world.claimedBy(job1.id)).toBe(a.service.worker!.id);
    const s1 = job1.result!.sessionId!;
    expect(s1).toMatch(/^s-\d+$/);

    await world.stopWorker('a');
    const b = await world.startWorker('b');
    const job2 = await world.finished(await world.comment(1, '/kugetsu once more'));
    expect(job2).toMatchObject({ state: 'succeeded', result: { pushed: true } });
    expect(await world.claimedBy(job2.id)).toBe(b.service.worker!.id);
    const s2 = job2.result!.sessionId!;
    expect(s2).not.toBe(s1);
    // B's turn was given A's session id; the engine keeps B's as the export.
    expect(received()).toEqual(['in=', `in=${s1}`]);
    const stored = await world.ingress.service.store.getSession(issueKey('demo', 'hello', 1));
    expect(stored).toMatchObject({ agent: 'command', sessionId: s2 });
    expect(stored!.export!.toString()).toBe(s2);
    expect((await readSessionMarker(path.join(b.stateDir, 'agents', 'demo', 'hello', 'issue-1')))?.sessionId).toBe(s2);
    const afterB = sandboxGit(world.sandbox.origin, ['rev-parse', BRANCH]);

    // An older job of another issue and a newer follow-up of issue 1 wait; A has one slot and issue 1's worktree.
    await world.stopWorker('b');
    const another = world.sandbox.gitea.fake.addIssue('demo/hello', { title: 'Another issue', body: 'Something else.', author: 'alice', labels: ['ready'], labeledBy: 'alice' });
    const other = await world.label(another.number);
    const follow = await world.comment(1, '/kugetsu and again');
    const a2 = await world.startWorker('a', { KUGETSU_MAX_AGENTS: '1' });
    const [jobOther, jobFollow] = [await world.finished(other), await world.finished(follow)];
    expect(jobOther.state).toBe('succeeded');
    expect(jobFollow.state).toBe('succeeded');
    expect(await world.claimedBy(jobFollow.id)).toBe(a2.service.worker!.id);
    expect(await world.claimedBy(jobOther.id)).toBe(a2.service.worker!.id);
    expect(Number(jobOther.id)).toBeLessThan(Number(jobFollow.id));
    expect(Date.parse(jobFollow.startedAt!)).toBeLessThan(Date.parse(jobOther.startedAt!));
    // A's copy was one turn behind: the turn started from B's pushed commit and was given B's session.
    expect(jobFollow.startSha).toBe(afterB);
    expect(received()).toEqual(['in=', `in=${s1}`, `in=${s2}`]);
    expect(sandboxGit(world.sandbox.origin, ['rev-list', '--count', `main..${BRANCH}`])).toBe('3');
  }, 180_000);
});
