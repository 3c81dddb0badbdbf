/**
 * The door of a running service with `KUGETSU_WEBHOOK_SECRET` set tries that secret first, then
 * checks that the parsed payload's repository has no secret of its own. A secret `kugetsu hooks
 * install|secret` stores while the service runs must take over from the global one at the next
 * delivery, and its removal must give the repository back to the global secret. A delivery the
 * door ignores unparsed (the prescreen: a comment without a command) is answered 200 whichever
 * secret of the instance signed it: the rule guards what may act.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { secretFile, writeStoredSecret } from '../../src/admin/stored-secrets.js';
import { issueCommentPayload, serializePayload } from '../../src/sandbox/delivery-templates.js';
import { useFakeGitea } from '../support/fake-gitea.js';
import { useServiceWorld } from '../support/service-world.js';
import { giteaHeaders } from '../support/signed-request.js';

const gitea = useFakeGitea({ strict: false });
const world = useServiceWorld(gitea, 'kugetsu-stored-door-');

describe('the door of a running service and stored secrets', () => {
  it('a secret stored while it runs replaces the global secret for that repository at once, and its removal gives it back', async () => {
    const fake = gitea.fake;
    fake.addRepo({ owner: 'acme', name: 'app', cloneUrl: world.origin });
    const issue = fake.addIssue('acme/app', { title: 'A question', body: 'How do I run the tests?', author: 'bob' });
    const s = await world.start(['print:unused'], {}, { role: 'ingress' });
    // A command: only what may act is held to the repository's own secret.
    const comment = fake.addComment('acme/app', issue.number, { body: '/kugetsu how do I run the tests?', author: 'bob' });
    const body = serializePayload(issueCommentPayload({ repo: world.repo(fake), issue, comment, sender: fake.user('bob') }));
    const post = async (secret: string, payload = body) => {
      const res = await s.app.request('/webhooks/gitea', { method: 'POST', body: payload, headers: giteaHeaders(payload, 'issue_comment', { secret }) });
      return { status: res.status, reason: ((await res.json()) as { reason?: string }).reason ?? '' };
    };
    const ok = (r: { status: number }) => r.status >= 200 && r.status < 300;
    const stateDir = path.join(world.tmp, 'state');

    expect(ok(await world.deliver('issue_comment', body))).toBe(true);
    writeStoredSecret(stateDir, 'acme/app', 'stored-secret-of-app');
    const global = await world.deliver('issue_comment', body);
    expect(global.status).toBe(401);
    expect(global.json.reason).toContain('the secret of acme/app');
    expect(ok(await post('stored-secret-of-app'))).toBe(true);
    // A plain comment signed with the global secret: ignored unparsed, never held to the rule (the
    // clone URL's `/kugetsu-stored-door-…` is a path, not a command).
    const plain = serializePayload(issueCommentPayload({ repo: world.repo(fake), issue, comment: { id: comment.id + 1, body: 'Thanks!' }, sender: fake.user('bob') }));
    expect(await world.deliver('issue_comment', plain)).toMatchObject({ status: 200, json: { status: 'ignored', reason: 'ignored: comment has no line starting with /kugetsu' } });
    // Rotated (a new file renamed over the old one): the old secret stops working at once.
    writeStoredSecret(stateDir, 'acme/app', 'rotated-secret-of-app');
    expect((await post('stored-secret-of-app')).status).toBe(401);
    expect(ok(await post('rotated-secret-of-app'))).toBe(true);
    rmSync(secretFile(stateDir, 'acme/app')!);
    expect(ok(await world.deliver('issue_comment', body))).toBe(true);
    expect((await post('rotated-secret-of-app')).status).toBe(401);
  });
});
