import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { issueCommentPayload } from '../../src/sandbox/delivery-templates.js';
import { useFakeGitea } from '../support/fake-gitea.js';
import { useServiceWorld } from '../support/service-world.js';

const gitea = useFakeGitea({ strict: false });
const world = useServiceWorld(gitea, 'kugetsu-retention-');

describe('retention', () => {
  it('prunes finished jobs older than the retention with their logs and prompts, and removes the worktree of a closed issue', async () => {
    const fake = gitea.fake;
    fake.addRepo({ owner: 'acme', name: 'app', cloneUrl: world.origin });
    fake.setPermission('acme/app', 'alice', 'write');
    const open = fake.addIssue('acme/app', { title: 'still open', author: 'alice' });
    const closed = fake.addIssue('acme/app', { title: 'will be closed', author: 'alice' });
    // 0.00002 days ≈ 1.7 s of retention.
    const s = await world.start(['session:ses-x', 'write:out.txt:x'], { KUGETSU_RETENTION_DAYS: '0.00002' });
    for (const issue of [open, closed]) {
      const c = fake.addComment('acme/app', issue.number, { body: '/kugetsu go', author: 'alice' });
      const r = await world.deliver('issue_comment', issueCommentPayload({ repo: world.repo(fake), issue, comment: { id: c.id, body: c.body }, sender: fake.user('alice') }));
      expect(r.status).toBe(202);
    }
    await s.idle();
    const state = path.join(world.tmp, 'state');
    const wt = (n: number) => path.join(state, 'worktrees', 'acme', 'app', `issue-${n}`);
    expect(existsSync(path.join(state, 'logs', 'job-1.log'))).toBe(true);
    expect(existsSync(wt(closed.number))).toBe(true);

    // Nothing is old enough yet, and both issues are open: nothing goes.
    expect(await s.maintenance.run()).toEqual({ jobs: 0, files: 0, worktrees: 0 });

    fake.issue('acme/app', closed.number).state = 'closed';
    await new Promise((r) => setTimeout(r, 2_000));
    const report = await s.maintenance.run();
    // Per job: its log, its prompt and its message file.
    expect(report).toEqual({ jobs: 2, files: 6, worktrees: 1 });
    expect(await s.store.get('1')).toBeUndefined();
    expect(readdirSync(path.join(state, 'logs'))).toEqual([]);
    expect(existsSync(wt(closed.number))).toBe(false);
    expect(existsSync(wt(open.number))).toBe(true);
    expect(await s.store.getSession(`acme/app#${closed.number}` as never)).toBeUndefined();
    expect((await s.store.getSession(`acme/app#${open.number}` as never))?.sessionId).toBe('ses-x');
  });
});
