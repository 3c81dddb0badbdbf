/**
 * Issue 12, "fixes found while testing": every permission check — at admission, when a deferred
 * delivery is decided later, and the re-check before a run of a job admitted while Gitea could not
 * answer — uses the repository's `min_role`, not the global `KUGETSU_MIN_ROLE`, in both directions
 * (a stricter and a looser repository setting).
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { issueCommentPayload } from '../../src/sandbox/delivery-templates.js';
import type { FakeGitea } from '../../src/sandbox/fake-gitea.js';
import { useFakeGitea } from '../support/fake-gitea.js';
import { useServiceWorld } from '../support/service-world.js';

const gitea = useFakeGitea({ strict: false });
const world = useServiceWorld(gitea, 'kugetsu-minrole-');
const ranFile = () => path.join(world.tmp, 'agent-ran');

/** `acme/app` with a writer and a reader, and the repository's settings file saying `min_role`. */
function seed(fake: FakeGitea, minRole: string) {
  fake.addRepo({ owner: 'acme', name: 'app', cloneUrl: world.origin });
  fake.setPermission('acme/app', 'writer', 'write');
  fake.setPermission('acme/app', 'reader', 'read');
  fake.addLabel('acme/app', 'ready');
  const dir = path.join(world.tmp, 'webhooks');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'app.yaml'), `repository: acme/app\nmin_role: ${minRole}\n`);
  return { dir, issue: fake.addIssue('acme/app', { title: 'Do it', body: 'please', author: 'writer' }) };
}

async function command(fake: FakeGitea, issue: { number: number; title: string; body: string }, login: string, text = '/kugetsu go') {
  const comment = fake.addComment('acme/app', issue.number, { body: text, author: login });
  return world.deliver('issue_comment', issueCommentPayload({ repo: world.repo(fake), issue, comment: { id: comment.id, body: comment.body }, sender: fake.user(login) }));
}

describe("a repository's min_role decides every permission check", () => {
  it.each([
    // [repository min_role, global KUGETSU_MIN_ROLE, who asks, runs?]
    ['admin', 'write', 'writer', false],
    ['read', 'admin', 'reader', true],
  ] as const)('deferred while Gitea cannot answer, then decided with min_role %s (global %s): @%s runs = %s', async (minRole, globalRole, login, runs) => {
    const fake = gitea.fake;
    const { dir, issue } = seed(fake, minRole);
    const s = await world.start([`write:${ranFile()}:yes`], { KUGETSU_WEBHOOKS_DIR: dir, KUGETSU_MIN_ROLE: globalRole });
    fake.injectFault({ status: 503, times: Infinity, path: /collaborators\/\w+\/permission/ });
    const res = await command(fake, issue, login);
    expect(res.json.status).toBe('deferred');
    fake.clearFaults();
    await vi.waitFor(async () => expect(await s.store.deferredCount()).toBe(0), { timeout: 5_000 });
    await s.idle();
    const jobs = await s.store.recent(10);
    expect(jobs.map((j) => j.state)).toEqual(runs ? ['succeeded'] : []);
    if (!runs) expect(existsSync(ranFile())).toBe(false);
  });

  it.each([
    // [min_role at admission, min_role at the run, global KUGETSU_MIN_ROLE, who asks, runs?]
    ['write', 'admin', 'write', 'writer', false],
    ['read', 'read', 'admin', 'reader', true],
  ] as const)(
    'the re-check before a run (a job admitted while Gitea could not answer) uses the repository min_role (%s, then %s; global %s): @%s runs = %s',
    async (atAdmission, atRun, globalRole, login, runs) => {
      const fake = gitea.fake;
      const { dir, issue } = seed(fake, atAdmission);
      const busy = fake.addIssue('acme/app', { title: 'Busy', author: 'boss' });
      const s = await world.start(['sleep:800'], { KUGETSU_WEBHOOKS_DIR: dir, KUGETSU_MIN_ROLE: globalRole, KUGETSU_MAX_AGENTS: '1' });
      // The only slot is taken by another issue, so the job under test stays queued.
      fake.setPermission('acme/app', 'boss', 'admin');
      expect((await command(fake, busy, 'boss', '/kugetsu long')).status).toBe(202);
      expect((await command(fake, issue, login)).status).toBe(202);
      const queued = (await s.store.recent(10)).find((j) => j.issueNumber === issue.number)!;
      expect(queued.state).toBe('queued');
      // As an older kugetsu admitted it when Gitea could not answer: the run checks again, with the
      // repository's settings as they are then.
      await s.store.update(queued.id, { needsAuthorization: true });
      writeFileSync(path.join(dir, 'app.yaml'), `repository: acme/app\nmin_role: ${atRun}\n`);
      expect(s.reloadSettings().ok).toBe(true);
      await s.idle();
      const job = (await s.store.get(queued.id))!;
      expect(job.state).toBe(runs ? 'succeeded' : 'failed');
      if (!runs) expect(JSON.stringify(job)).toMatch(/admin permission/);
      expect(job.needsAuthorization ?? false).toBe(!runs);
    },
  );
});
