/**
 * Issue 11, scenario 8: quoted user text put 38 `@name` mentions into the bot's status comment,
 * which is sent again on every state change. Now every comment kugetsu writes — the status comment
 * in each version, replies — carries no live mention but the one of the person it answers.
 */
import { describe, expect, it } from 'vitest';
import { MENTION_BREAK } from '../../src/report/neutralize-mentions.js';
import { issueCommentPayload } from '../../src/sandbox/delivery-templates.js';
import { useFakeGitea } from '../support/fake-gitea.js';
import { liveMentions } from '../support/gitea-mentions.js';
import { useServiceWorld } from '../support/service-world.js';

const gitea = useFakeGitea({ strict: false });
const world = useServiceWorld(gitea, 'kugetsu-mentions-');

/** 38 mentions in the shapes people write them. */
const NAMES = Array.from({ length: 38 }, (_v, i) => `user${i + 1}`);
const SHAPES = [(n: string) => `@${n}`, (n: string) => `(@${n})`, (n: string) => `**@${n}**`, (n: string) => `@${n},`, (n: string) => `[@${n}]`];
const MENTIONS = NAMES.map((n, i) => SHAPES[i % SHAPES.length]!(n)).join(' ');

describe('mention storms', () => {
  it("38 mentions in the request and the agent output: none live in any version of the status comment, nor in a reply; the requester's stays", async () => {
    const fake = gitea.fake;
    fake.addRepo({ owner: 'acme', name: 'app', cloneUrl: world.origin });
    fake.setPermission('acme/app', 'bob', 'write');
    fake.setPermission('acme/app', 'alice', 'write');
    const issue = fake.addIssue('acme/app', { title: 'Ping everyone', body: `cc ${MENTIONS}`, author: 'bob' });
    // The agent quotes them too, and fails, so its output is shown.
    const s = await world.start([`print:summary for ${MENTIONS}`, `stderr:> @user1 and @acme/reviewers were notified`, 'exit:1']);
    const request = `/kugetsu fix it, then tell ${MENTIONS} (mail dev@example.com)`;
    expect(new Set(liveMentions(request))).toEqual(new Set(NAMES));

    const c = fake.addComment('acme/app', issue.number, { body: request, author: 'bob' });
    const res = await world.deliver('issue_comment', issueCommentPayload({ repo: world.repo(fake), issue, comment: { id: c.id, body: c.body }, sender: fake.user('bob') }));
    expect(res.status).toBe(202);
    await s.idle(30_000);
    // alice asks for the status: the reply lists bob's job.
    const st = fake.addComment('acme/app', issue.number, { body: '/kugetsu status', author: 'alice' });
    await world.deliver('issue_comment', issueCommentPayload({ repo: world.repo(fake), issue, comment: { id: st.id, body: st.body }, sender: fake.user('alice') }));
    await s.idle(30_000);

    const writes = fake.calls.filter((call) => (call.method === 'POST' || call.method === 'PATCH') && /\/issues\/(\d+\/)?comments(\/\d+)?$/.test(call.path));
    const bodies = writes.map((call) => String((call.body as { body: string }).body));
    const status = bodies.filter((b) => b.startsWith('<!-- kugetsu:status'));
    const replies = bodies.filter((b) => b.startsWith('<!-- kugetsu:reply'));
    expect(status.length).toBeGreaterThanOrEqual(2);
    expect(replies).toHaveLength(1);
    for (const body of status) expect(liveMentions(body), body).toEqual(['bob']);
    expect(
      liveMentions(replies[0]!).filter((n) => n !== 'alice'),
      replies[0],
    ).toEqual([]);
    expect(replies[0]).toContain(`@${MENTION_BREAK}bob`);
    // The final comment still shows every name (inert), the failure and the mail address.
    const final = status.at(-1)!;
    expect(final).toContain('❌ **kugetsu** · failed');
    for (const n of NAMES) expect(final).toContain(`@${MENTION_BREAK}${n}`);
    expect(final).toContain(`@${MENTION_BREAK}acme/reviewers`);
    expect(final).toContain('dev@example.com');
  });
});
