/**
 * The door of a running service with `KUGETSU_WEBHOOK_SECRET` set tries that secret first, then
 * checks that the parsed payload's repository has no secret of its own. A secret `kugetsu hooks
 * install|secret` stores while the service runs must take over from the global one at the next
 * delivery, and its removal must give the repository back to the global secret.
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
    const body = serializePayload(issueCommentPayload({ repo: world.repo(fake), issue, comment: { id: 1, body: 'Thanks!' }, sender: fake.user('bob') }));
    const post = async (secret: string) => {
      const res = await s.app.request('/webhooks/gitea', { method: 'POST', body, headers: giteaHeaders(body, 'issue_comment', { secret }) });
      return { status: res.status, reason: ((await res.json()) as { reason?: string }).reason ?? '' };
    };
    const stateDir = path.join(world.tmp, 'state');

    expect((await world.deliver('issue_comment', body)).status).toBe(200);
    writeStoredSecret(stateDir, 'acme/app', 'stored-secret-of-app');
    const global = await world.deliver('issue_comment', body);
    expect(global.status).toBe(401);
    expect(global.json.reason).toContain('the secret of acme/app');
    expect(await post('stored-secret-of-app')).toMatchObject({ status: 200 });
    // Rotated (a new file renamed over the old one): the old secret stops working at once.
    writeStoredSecret(stateDir, 'acme/app', 'rotated-secret-of-app');
    expect((await post('stored-secret-of-app')).status).toBe(401);
    expect((await post('rotated-secret-of-app')).status).toBe(200);
    rmSync(secretFile(stateDir, 'acme/app')!);
    expect((await world.deliver('issue_comment', body)).status).toBe(200);
    expect((await post('rotated-secret-of-app')).status).toBe(401);
  });
});
