import { describe, expect, it } from 'vitest';
import { issueCommentPayload } from '../../src/sandbox/delivery-templates.js';
import { useFakeGitea } from '../support/fake-gitea.js';
import { useServiceWorld } from '../support/service-world.js';

const gitea = useFakeGitea({ strict: false });
const world = useServiceWorld(gitea, 'kugetsu-progress-');

describe('throttled progress of running jobs', () => {
  it('the status comment of a running job is refreshed every KUGETSU_PROGRESS_INTERVAL_S with its elapsed time', async () => {
    const fake = gitea.fake;
    fake.addRepo({ owner: 'acme', name: 'app', cloneUrl: world.origin });
    fake.setPermission('acme/app', 'alice', 'write');
    const issue = fake.addIssue('acme/app', { title: 'slow', author: 'alice' });
    const s = await world.start(['sleep:3500'], { KUGETSU_PROGRESS_INTERVAL_S: '1' });
    const c = fake.addComment('acme/app', issue.number, { body: '/kugetsu take your time', author: 'alice' });
    expect(
      (await world.deliver('issue_comment', issueCommentPayload({ repo: world.repo(fake), issue, comment: { id: c.id, body: c.body }, sender: fake.user('alice') }))).status,
    ).toBe(202);
    await s.idle();
    const runningEdits = fake.calls
      .filter((call) => call.method === 'PATCH' && /\/issues\/comments\/\d+$/.test(call.path))
      .map((call) => String((call.body as { body?: string }).body))
      .filter((body) => body.includes('· running'));
    // Without the ticker there is at most one "running" version; with it, one per second of the run.
    expect(runningEdits.length).toBeGreaterThanOrEqual(2);
    expect(runningEdits.some((body) => /The agent is working \(started [1-9]\d*s ago\)/.test(body))).toBe(true);
  });
});
