/**
 * Issue 11, scenario 5: refusals never become a comment storm. 300 `/kugetsu` comments by a
 * read-only user get one refusal reply (each is answered 2xx with its reason and recorded); 500 label
 * deliveries for one label addition, 50 at a time, make one job and no reply ("already has that
 * request" is decided before any rate slot is taken).
 */
import { describe, expect, it, vi } from 'vitest';
import { issueCommentPayload, issueLabelPayload } from '../../src/sandbox/delivery-templates.js';
import type { FakeGitea } from '../../src/sandbox/fake-gitea.js';
import { useFakeGitea } from '../support/fake-gitea.js';
import { useServiceWorld } from '../support/service-world.js';

const gitea = useFakeGitea({ strict: false });
const world = useServiceWorld(gitea, 'kugetsu-storms-');

function seed(fake: FakeGitea) {
  fake.addRepo({ owner: 'acme', name: 'app', cloneUrl: world.origin });
  fake.setPermission('acme/app', 'alice', 'write');
  fake.setPermission('acme/app', 'mallory', 'read');
  fake.addLabel('acme/app', 'ready');
  return fake.addIssue('acme/app', { title: 'Add a greeting', body: 'Please add hello.txt', author: 'alice' });
}

const botReplies = (fake: FakeGitea, n: number) => fake.commentsOn('acme/app', n).filter((c) => c.authorId === fake.bot.id && c.body.startsWith('<!-- kugetsu:reply'));

describe('no reply storms', () => {
  it('300 commands by a read-only user: each refused with 2xx and its reason, one reply in all', { timeout: 120_000 }, async () => {
    const fake = gitea.fake;
    const issue = seed(fake);
    const s = await world.start(['write:x.txt:x']);
    const mallory = fake.user('mallory');
    const answers = new Map<string, number>();
    for (let i = 0; i < 300; i++) {
      const c = fake.addComment('acme/app', issue.number, { body: `/kugetsu do thing ${i}`, author: 'mallory' });
      const res = await world.deliver('issue_comment', issueCommentPayload({ repo: world.repo(fake), issue, comment: { id: c.id, body: c.body }, sender: mallory }));
      const key = `${res.status} ${res.json.reason}`;
      answers.set(key, (answers.get(key) ?? 0) + 1);
    }
    expect([...answers]).toEqual([['200 ignored: refused: @mallory has read permission on acme/app; write is required', 300]]);
    await s.idle();
    expect(botReplies(fake, issue.number)).toHaveLength(1);
    expect(await s.store.recent(5)).toEqual([]);
  });

  it('500 label deliveries of one label addition, 50 at a time: one job, no reply', { timeout: 120_000 }, async () => {
    const fake = gitea.fake;
    const issue = seed(fake);
    // The one agent slot stays busy, so the job stays queued while the deliveries arrive.
    const s = await world.start(['sleep:3000'], { KUGETSU_RATE_LIMIT_SENDER: '20/h' });
    fake.labelIssue('acme/app', issue.number, 'ready', 'alice');
    const labels = fake.repo('acme/app').labels.map((l) => ({ id: l.id, name: l.name }));
    const statuses = new Map<string, number>();
    for (let start = 0; start < 500; start += 50) {
      const batch = Array.from({ length: 50 }, (_, i) => {
        const payload = issueLabelPayload({ repo: world.repo(fake), issue: { ...issue, labels }, sender: fake.user('alice') });
        payload.issue.updated_at = new Date(Date.UTC(2026, 0, 1, 0, 0, start + i)).toISOString(); // each body differs
        return world.deliver('issue_label', payload);
      });
      for (const res of await Promise.all(batch)) statuses.set(String(res.status), (statuses.get(String(res.status)) ?? 0) + 1);
    }
    expect([...statuses.keys()].every((code) => code === '200' || code === '202')).toBe(true);
    await vi.waitFor(async () => expect(await s.store.deferredCount()).toBe(0), { timeout: 60_000 });
    await s.idle();
    const jobs = await s.store.recent(10);
    expect(jobs.map((j) => [j.trigger, j.sender.login])).toEqual([['label', 'alice']]);
    expect(botReplies(fake, issue.number)).toEqual([]);
  });
});
