import { describe, expect, it } from 'vitest';
import { issueCommentPayload, issueLabelPayload, serializePayload } from '../../src/sandbox/delivery-templates.js';
import type { FakeGitea } from '../../src/sandbox/fake-gitea.js';
import { useFakeGitea } from '../support/fake-gitea.js';
import { useServiceWorld } from '../support/service-world.js';

const gitea = useFakeGitea({ strict: false });
const world = useServiceWorld(gitea, 'kugetsu-idem-');

function seed(fake: FakeGitea) {
  fake.addRepo({ owner: 'acme', name: 'app', cloneUrl: world.origin });
  fake.setPermission('acme/app', 'alice', 'write');
  fake.addLabel('acme/app', 'ready');
  return fake.addIssue('acme/app', { title: 'Do it', body: 'please', author: 'alice', labels: ['ready'] });
}

const start = () => world.start(['write:out.txt:{issueKey}']);

describe('exactly once: repeated deliveries and replays start nothing new', () => {
  it('a repeated delivery id, the same body under a new id, and the organisation hook copy are acknowledged and not acted on', async () => {
    const fake = gitea.fake;
    const issue = seed(fake);
    const s = await start();
    const comment = fake.addComment('acme/app', issue.number, { body: '/kugetsu go', author: 'alice' });
    const body = serializePayload(issueCommentPayload({ repo: world.repo(fake), issue, comment: { id: comment.id, body: comment.body }, sender: fake.user('alice') }));

    const first = await world.deliver('issue_comment', body, { delivery: 'd-1' });
    expect(first.status).toBe(202);
    const again = await world.deliver('issue_comment', body, { delivery: 'd-1' });
    expect({ status: again.status, json: again.json }).toEqual({
      status: 200,
      json: { status: 'ignored', delivery: 'd-1', reason: `ignored: delivery d-1 was already handled (job ${first.json.job})` },
    });
    const replay = await world.deliver('issue_comment', body, { delivery: 'd-2' });
    expect(replay.json.reason).toBe(`ignored: this event was already handled under another delivery (job ${first.json.job})`);
    const orgCopy = await world.deliver('issue_comment', body, { delivery: 'd-3', target: 'organization' });
    expect(orgCopy.status).toBe(200);
    expect(orgCopy.json.reason).toContain('already handled');

    await s.idle();
    expect(await s.store.listByIssue(`acme/app#${issue.number}` as never)).toHaveLength(1);
    const botComments = fake.commentsOn('acme/app', issue.number).filter((c) => c.authorId === fake.bot.id);
    expect(botComments).toHaveLength(1);
    expect(fake.comments.get(comment.id)?.reactions).toHaveLength(1);
  });

  it('a label delivery replayed after its job finished starts nothing (content key), while a new label change does', async () => {
    const fake = gitea.fake;
    const issue = seed(fake);
    const s = await start();
    const labels = fake.repo('acme/app').labels.map((l) => ({ id: l.id, name: l.name }));
    const payload = issueLabelPayload({ repo: world.repo(fake), issue: { ...issue, labels }, sender: fake.user('alice') });
    const body = serializePayload(payload);
    expect((await world.deliver('issue_label', body)).status).toBe(202);
    await s.idle();
    // kugetsu took the label off when the job started: a replay of the old body is refuted by Gitea.
    const replay = await world.deliver('issue_label', body);
    expect(replay.json.reason).toBe('ignored: not confirmed by Gitea: Gitea does not show the trigger label on #1');
    // While the label is still on (its removal failed), a replay names the same addition: not taken twice.
    fake.labelIssue('acme/app', issue.number, 'ready', 'alice');
    const added = fake.issue('acme/app', issue.number).labelEvents.at(-1)!;
    expect((await world.deliver('issue_label', serializePayload(payload))).status).toBe(202);
    await s.idle();
    fake.issue('acme/app', issue.number).labelIds.push(added.labelId);
    expect((await world.deliver('issue_label', body)).json.reason).toContain('already handled under another delivery');

    // A person adds the label again later: a new addition in Gitea's timeline, a new delegation.
    fake.labelIssue('acme/app', issue.number, 'ready', 'bob');
    fake.setPermission('acme/app', 'bob', 'write');
    payload.issue.updated_at = new Date(Date.now() + 60_000).toISOString();
    expect((await world.deliver('issue_label', serializePayload(payload))).status).toBe(202);
    await s.idle();
    const jobs = await s.store.listByIssue(`acme/app#${issue.number}` as never);
    expect(jobs.map((j) => [j.state, j.sender.login])).toEqual([
      ['succeeded', 'alice'],
      ['succeeded', 'alice'],
      ['succeeded', 'bob'],
    ]);
  });
});
