import { existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSessionMarker } from '../../src/agents/session-marker.js';
import { issueKey } from '../../src/domain/issue-key.js';
import { sandboxGit } from '../../src/sandbox/local-origin.js';
import { demoScript } from '../../src/sandbox/sandbox.js';
import type { FakeScript } from '../../src/sandbox/fake-model.js';
import { createWorkerWorld, type WorkerWorld } from '../support/worker-world.js';

const OPENCODE_BIN = fileURLToPath(new URL('../../node_modules/.bin/opencode', import.meta.url));
const BRANCH = 'kugetsu/issue-1';
const KEY = issueKey('demo', 'hello', 1);

/** The demo's model (GREETING.md, then a goodbye line), and a third request that writes THANKS.md. */
const script: FakeScript = (ctx) => {
  if (/THANKS file/.test(ctx.userText)) return ctx.step === 0 ? { tool: 'write', args: { filePath: 'THANKS.md', content: 'Thanks for reading.\n' } } : { text: 'Wrote THANKS.md.' };
  return demoScript(ctx);
};

/**
 * Issue 12, "any worker can take any issue", with the real parts: one ingress and two workers in
 * this process, each with a state dir of its own (as on three machines), sharing one SQLite file;
 * the real opencode binary in the real bwrap sandbox against the scripted model; real git.
 */
describe('any worker can take any issue (real opencode, real sandbox, one shared SQLite engine)', () => {
  const dir = path.join(tmpdir(), `kugetsu-any-worker-${process.pid}-${Date.now()}`);
  let world: WorkerWorld;
  beforeAll(async () => {
    world = await createWorkerWorld(dir, { env: { KUGETSU_OPENCODE_BIN: OPENCODE_BIN }, script });
  });
  afterAll(() => world?.close());

  it("a follow-up on worker B continues A's opencode session on a worktree rebuilt from the pushed branch; a third turn back on A's stale copy keeps B's work", async () => {
    const model = world.sandbox.model;
    const turns = () => model.requests.filter((r) => r.kind === 'turn');
    const a = await world.startWorker('a');

    // Turn 1 on A.
    const job1 = await world.finished(await world.label(1));
    expect(job1).toMatchObject({ state: 'succeeded', result: { exitCode: 0, pushed: true, newCommits: 1 } });
    expect(await world.claimedBy(job1.id)).toBe(a.service.worker!.id);
    const sessionId = job1.result!.sessionId!;
    expect(sessionId).toMatch(/^ses_/);
    const stored1 = await world.ingress.service.store.getSession(KEY);
    expect(JSON.parse(stored1!.export!.toString('utf8')).info.id).toBe(sessionId);

    // A is gone (its machine is off): the follow-up can only run on B, which never saw the issue.
    await world.stopWorker('a');
    const b = await world.startWorker('b');
    const bWorktree = path.join(b.stateDir, 'worktrees', 'demo', 'hello', 'issue-1');
    expect(existsSync(bWorktree)).toBe(false);
    const job2 = await world.finished(await world.comment(1, '/kugetsu please also say goodbye'));
    expect(job2).toMatchObject({ state: 'succeeded', result: { exitCode: 0, pushed: true, newCommits: 1, sessionId } });
    expect(await world.claimedBy(job2.id)).toBe(b.service.worker!.id);
    // B rebuilt the worktree from the pushed branch and continued the same session: the model got turn 1's history.
    const second = turns().at(-1)!;
    expect(second.workdir).toBe(bWorktree);
    const users2 = second.messages.filter((m) => m.role === 'user').map((m) => JSON.stringify(m.content));
    expect(users2).toHaveLength(2);
    expect(users2[0]).toContain('Please add a GREETING.md that says hello.');
    expect(users2[1]).toContain('please also say goodbye');
    expect(b.logs.lines.some((l) => l.msg?.startsWith('imported the stored session') && l.sessionId === sessionId)).toBe(true);
    expect(b.logs.lines.some((l) => l.msg === 'agent rejected the stored session; starting a new one')).toBe(false);
    expect((await readSessionMarker(path.join(b.stateDir, 'agents', 'demo', 'hello', 'issue-1')))?.sessionId).toBe(sessionId);
    const afterB = sandboxGit(world.sandbox.origin, ['rev-parse', BRANCH]);

    // Back to A, whose copy is one turn behind and has leftovers of a turn that pushed nothing.
    await world.stopWorker('b');
    const aWorktree = path.join(a.stateDir, 'worktrees', 'demo', 'hello', 'issue-1');
    writeFileSync(path.join(aWorktree, 'half-done.txt'), 'left by a failed turn\n');
    const a2 = await world.startWorker('a');
    const job3 = await world.finished(await world.comment(1, '/kugetsu please add a THANKS file'));
    expect(job3).toMatchObject({ state: 'succeeded', result: { exitCode: 0, pushed: true, newCommits: 1, sessionId } });
    expect(await world.claimedBy(job3.id)).toBe(a2.service.worker!.id);
    // A started from B's pushed commit, so B's work is in the branch; the leftovers are not.
    expect(job3.startSha).toBe(afterB);
    const origin = world.sandbox.origin;
    expect(sandboxGit(origin, ['rev-list', '--count', `main..${BRANCH}`])).toBe('3');
    expect(sandboxGit(origin, ['rev-parse', `${BRANCH}~1`])).toBe(afterB);
    expect(sandboxGit(origin, ['show', `${BRANCH}:GREETING.md`])).toBe('# Greeting\n\nHello from kugetsu!\n\nGoodbye, and thanks for all the issues.');
    expect(sandboxGit(origin, ['show', `${BRANCH}:THANKS.md`])).toBe('Thanks for reading.');
    // Exactly the agents' files: no leftovers, nothing an export or import left in the worktree.
    expect(sandboxGit(origin, ['ls-tree', '-r', '--name-only', BRANCH]).split('\n').sort()).toEqual(['GREETING.md', 'README.md', 'THANKS.md', 'main.js']);
    expect(a2.logs.lines.some((l) => l.ref?.startsWith('refs/kugetsu/unpublished/') && l.level === 40)).toBe(true);
    // A imported B's newer export: the third request carries all three turns.
    const third = turns().at(-1)!;
    expect(third.workdir).toBe(aWorktree);
    expect(third.messages.filter((m) => m.role === 'user')).toHaveLength(3);
    expect(a2.logs.lines.some((l) => l.msg?.startsWith('imported the stored session'))).toBe(true);
  }, 300_000);

  it('a broken export never fails the follow-up: B logs why it could not import, opencode rejects the session, and the turn runs on a new one', async () => {
    const fake = world.sandbox.gitea.fake;
    const issue = fake.addIssue('demo/hello', {
      title: 'Add a greeting',
      body: 'Please add a GREETING.md that says hello.',
      author: 'alice',
      labels: ['ready'],
      labeledBy: 'alice',
    });
    const key = issueKey('demo', 'hello', issue.number);
    // Only A runs (whatever the test above left running).
    await world.stopWorker('a');
    await world.stopWorker('b');
    await world.startWorker('a');
    const job1 = await world.finished(await world.label(issue.number));
    expect(job1.state).toBe('succeeded');
    const first = job1.result!.sessionId!;
    // The stored export is damaged (a bad disk, a bug of an older kugetsu): opencode cannot import it.
    const store = world.ingress.service.store;
    const stored = (await store.getSession(key))!;
    await store.putSession({ ...stored, export: Buffer.from(JSON.stringify({ info: { id: first }, messages: [] })) });

    await world.stopWorker('a');
    const b = await world.startWorker('b');
    const job2 = await world.finished(await world.comment(issue.number, '/kugetsu please also say goodbye'));
    expect(job2).toMatchObject({ state: 'succeeded', result: { exitCode: 0, pushed: true } });
    expect(await world.claimedBy(job2.id)).toBe(b.service.worker!.id);
    const fresh = job2.result!.sessionId!;
    expect(fresh).toMatch(/^ses_/);
    expect(fresh).not.toBe(first);
    const mine = b.logs.lines.filter((l) => l.issueKey === key);
    expect(mine.find((l) => l.msg?.startsWith('could not import the stored session'))).toMatchObject({
      level: 40,
      sessionId: first,
      problem: expect.stringContaining('import exited with 1'),
    });
    expect(mine.some((l) => l.msg === 'agent rejected the stored session; starting a new one' && l.sessionId === first)).toBe(true);
    // The new session is what the engine keeps now, with its own export.
    const after = (await store.getSession(key))!;
    expect(after.sessionId).toBe(fresh);
    expect(JSON.parse(after.export!.toString('utf8')).info.id).toBe(fresh);
  }, 300_000);
});
