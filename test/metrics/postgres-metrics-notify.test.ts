import { afterEach, describe, expect, it } from 'vitest';
import { issueCommentPayload, serializePayload } from '../../src/sandbox/delivery-templates.js';
import { useFakeGitea } from '../support/fake-gitea.js';
import { startNotifyReceiver, type NotifyReceiver } from '../support/notify-receiver.js';
import { usePostgresDatabase } from '../support/postgres.js';
import { parsePromText } from '../support/prometheus-text.js';
import { useServiceWorld } from '../support/service-world.js';

const gitea = useFakeGitea({ strict: false });
const world = useServiceWorld(gitea, 'kugetsu-pg-metrics-');
const database = usePostgresDatabase();

let hook: NotifyReceiver | undefined;
afterEach(async () => {
  await hook?.close();
  hook = undefined;
});

describe('with PostgreSQL', { timeout: 120_000 }, () => {
  it("notifications go through the shared outbox, and an ingress process without a worker shows the engine's jobs in its /metrics", async () => {
    const fake = gitea.fake;
    fake.addRepo({ owner: 'acme', name: 'app', cloneUrl: world.origin });
    fake.setPermission('acme/app', 'alice', 'write');
    const issue = fake.addIssue('acme/app', { title: 'Do it', body: 'please', author: 'alice' });
    hook = await startNotifyReceiver('pg-key');
    const env = { KUGETSU_DATABASE_URL: await database.freshSchemaUrl(), KUGETSU_NOTIFY_URLS: hook.url, KUGETSU_NOTIFY_SECRET: 'pg-key' };
    const s = await world.start(['write:out.txt:{issueKey}'], env);
    const comment = fake.addComment('acme/app', issue.number, { body: '/kugetsu go', author: 'alice' });
    const body = serializePayload(issueCommentPayload({ repo: world.repo(fake), issue, comment: { id: comment.id, body: comment.body }, sender: fake.user('alice') }));
    expect((await world.deliver('issue_comment', body)).status).toBe(202);
    await s.idle();
    expect(hook.received.map((r) => [r.json?.event, r.status, r.verified])).toEqual([
      ['queued', 200, true],
      ['started', 200, true],
      ['succeeded', 200, true],
    ]);
    const own = parsePromText(await (await s.app.request('/metrics')).text());
    expect(own.value('kugetsu_outbox_sent_total', { operation: 'notify' })).toBe(3);
    await s.stop(1_000);

    // Another process on the same database, without a worker: it ran nothing, yet reads the jobs.
    const ingress = await world.start(['write:out.txt:{issueKey}'], env, { role: 'ingress' });
    const shared = parsePromText(await (await ingress.app.request('/metrics')).text());
    expect(shared.value('kugetsu_jobs', { state: 'succeeded' })).toBe(1);
    expect(shared.sum('kugetsu_outbox_pending')).toBe(0);
    expect(shared.sum('kugetsu_agent_turn_duration_seconds_count')).toBe(0);
    expect(shared.sum('kugetsu_worker_slots_in_use')).toBe(0);
  });
});
