import { describe, expect, it } from 'vitest';
import { issueCommentPayload, issueLabelPayload } from '../../src/sandbox/delivery-templates.js';
import { useFakeGitea } from '../support/fake-gitea.js';
import { useServiceWorld } from '../support/service-world.js';

const gitea = useFakeGitea({ strict: false });
const world = useServiceWorld(gitea, 'kugetsu-recon-');

const start = () => world.start(['write:out.txt:{issueKey}'], { KUGETSU_REPOS: 'acme/app' });

describe('reconciliation acts on what was missed, once', () => {
  it('an issue that got the trigger label while kugetsu was down is picked up at start-up; a missed /kugetsu comment on the next pass; nothing twice', async () => {
    const fake = gitea.fake;
    fake.addRepo({ owner: 'acme', name: 'app', cloneUrl: world.origin });
    fake.setPermission('acme/app', 'alice', 'write');
    const missed = fake.addIssue('acme/app', { title: 'Missed while down', body: 'do it', author: 'alice', labels: ['ready'] });
    const other = fake.addIssue('acme/app', { title: 'Not for kugetsu', author: 'alice', labels: ['bug'] });
    fake.addComment('acme/app', other.number, { body: '/kugetsu ancient history before kugetsu knew the repo', author: 'alice' });

    const s = await start();
    await s.reconciler.reconcile(); // the start-up pass runs in the background; a second pass must not duplicate it
    await s.idle();
    const jobs = await s.store.listByIssue(`acme/app#${missed.number}` as never);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({ trigger: 'label', state: 'succeeded' });
    expect(fake.issueLabelNames('acme/app', missed.number)).toEqual(['kugetsu/done']);
    expect(await s.store.listByIssue(`acme/app#${other.number}` as never)).toHaveLength(0);

    // A command comment whose delivery never arrived. (The first pass set the cursor to the next
    // whole second — Gitea's resolution — so the comment must come after it.)
    await new Promise((r) => setTimeout(r, 1100));
    const lost = fake.addComment('acme/app', other.number, { body: 'Hm.\n/kugetsu fix the bug', author: 'alice' });
    const plain = fake.addComment('acme/app', other.number, { body: 'just chatting', author: 'bob' });
    expect((await s.reconciler.reconcile()).admitted).toBe(1);
    expect((await s.reconciler.reconcile()).admitted).toBe(0);
    await s.idle();
    const otherJobs = await s.store.listByIssue(`acme/app#${other.number}` as never);
    expect(otherJobs.map((j) => [j.trigger, j.message, j.state])).toEqual([['command', 'fix the bug', 'succeeded']]);
    expect(plain.id).toBeGreaterThan(lost.id);

    // The delivery of that comment arrives late: it is recognised as handled.
    const res = await world.deliver(
      'issue_comment',
      issueCommentPayload({ repo: world.repo(fake), issue: other, comment: { id: lost.id, body: lost.body }, sender: fake.user('alice') }),
    );
    expect(res.json.reason).toContain('already handled');
  });

  it('never resurrects a refusal: a label added by a reader, and a command over the per-issue queue cap, stay refused on every later pass', async () => {
    const fake = gitea.fake;
    fake.addRepo({ owner: 'acme', name: 'app', cloneUrl: world.origin });
    fake.setPermission('acme/app', 'alice', 'write');
    fake.setPermission('acme/app', 'reader', 'read');
    fake.addLabel('acme/app', 'ready');
    const labelled = fake.addIssue('acme/app', { title: 'Labelled by a reader', author: 'alice' });
    const busy = fake.addIssue('acme/app', { title: 'Busy', author: 'alice' });
    const hog = fake.addIssue('acme/app', { title: 'Takes the only slot', author: 'alice' });
    const s = await world.start(['sleep:600'], { KUGETSU_REPOS: 'acme/app', KUGETSU_MAX_QUEUED_PER_ISSUE: '1', KUGETSU_MAX_AGENTS: '1' });
    await s.reconciler.reconcile();
    await new Promise((r) => setTimeout(r, 1100)); // past the cursor (whole seconds, as Gitea)

    // A reader adds the trigger label: refused (not permitted).
    fake.labelIssue('acme/app', labelled.number, 'ready', 'reader');
    const labels = fake.repo('acme/app').labels.map((l) => ({ id: l.id, name: l.name }));
    const refusedLabel = await world.deliver('issue_label', issueLabelPayload({ repo: world.repo(fake), issue: { ...labelled, labels }, sender: fake.user('reader') }));
    expect(refusedLabel.json.reason).toContain('refused: @reader has read permission');

    // Two commands on one issue while the only slot is busy: the second is over the queue cap.
    const comment = (issue: typeof busy, text: string) => {
      const c = fake.addComment('acme/app', issue.number, { body: `/kugetsu ${text}`, author: 'alice' });
      return world.deliver('issue_comment', issueCommentPayload({ repo: world.repo(fake), issue, comment: { id: c.id, body: c.body }, sender: fake.user('alice') }));
    };
    expect((await comment(hog, 'take the slot')).status).toBe(202);
    expect((await comment(busy, 'first')).status).toBe(202);
    expect((await comment(busy, 'second')).json.reason).toContain('already has 1 queued jobs');
    await s.idle();

    // Later passes (the queue is empty again, the label is still there) admit nothing.
    expect((await s.reconciler.reconcile()).admitted).toBe(0);
    expect((await s.reconciler.reconcile()).admitted).toBe(0);
    await s.idle();
    expect(await s.store.listByIssue(`acme/app#${labelled.number}` as never)).toEqual([]);
    expect((await s.store.listByIssue(`acme/app#${busy.number}` as never)).map((j) => j.message)).toEqual(['first']);
  });
});
