import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openPostgresStore } from '../../src/engine-postgres/open-postgres-store.js';
import { issueCommentPayload, serializePayload } from '../../src/sandbox/delivery-templates.js';
import { useFakeGitea } from '../support/fake-gitea.js';
import { usePostgresDatabase } from '../support/postgres.js';
import { useServiceWorld } from '../support/service-world.js';

const gitea = useFakeGitea({ strict: false });
const world = useServiceWorld(gitea, 'kugetsu-pg-service-');
const database = usePostgresDatabase();

describe('kugetsu on PostgreSQL (KUGETSU_DATABASE_URL)', () => {
  it('runs a /kugetsu command end to end with every record in PostgreSQL, recognises a replay, and keeps the password out of the logs', async () => {
    const fake = gitea.fake;
    fake.addRepo({ owner: 'acme', name: 'app', cloneUrl: world.origin });
    fake.setPermission('acme/app', 'alice', 'write');
    const issue = fake.addIssue('acme/app', { title: 'Do it', body: 'please', author: 'alice' });
    const url = await database.freshSchemaUrl();
    const s = await world.start(['write:out.txt:{issueKey}', 'session:ses_pg'], { KUGETSU_DATABASE_URL: url });

    const comment = fake.addComment('acme/app', issue.number, { body: '/kugetsu go', author: 'alice' });
    const body = serializePayload(issueCommentPayload({ repo: world.repo(fake), issue, comment: { id: comment.id, body: comment.body }, sender: fake.user('alice') }));
    const first = await world.deliver('issue_comment', body, { delivery: 'pg-1' });
    expect(first.status).toBe(202);
    await s.idle();
    const replay = await world.deliver('issue_comment', body, { delivery: 'pg-2' });
    expect(replay.json.reason).toBe(`ignored: this event was already handled under another delivery (job ${first.json.job})`);

    // What the service did is in PostgreSQL, as another process reading the database sees it.
    const reader = await openPostgresStore({ url, schema: 'require-current' });
    try {
      const job = await reader.get(first.json.job!);
      expect(job).toMatchObject({ state: 'succeeded', issueKey: `acme/app#${issue.number}`, result: { sessionId: 'ses_pg', pushed: true } });
      expect((await reader.history(job!.id)).map((e) => e.state)).toEqual(['queued', 'running', 'succeeded']);
      expect(await reader.getSession(job!.issueKey)).toMatchObject({ sessionId: 'ses_pg' });
      expect(await reader.outboxCounts()).toEqual({ pending: 0, failed: 0 });
      expect(await reader.handled({ id: 'pg-1', eventKey: '' })).toStrictEqual({ jobId: job!.id, by: 'delivery' });
    } finally {
      await reader.close();
    }
    expect(existsSync(path.join(world.tmp, 'state', 'kugetsu.db'))).toBe(false);
    const status = fake.commentsOn('acme/app', issue.number).filter((c) => c.authorId === fake.bot.id);
    expect(status).toHaveLength(1);
    expect(status[0]!.body).toContain('succeeded');
    const password = decodeURIComponent(new URL(url).password);
    expect(password.length).toBeGreaterThan(8);
    expect(world.logs.text()).not.toContain(password);
  });
});
