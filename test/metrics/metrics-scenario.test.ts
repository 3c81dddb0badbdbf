import { afterEach, describe, expect, it } from 'vitest';
import { issueCommentPayload, serializePayload } from '../../src/sandbox/delivery-templates.js';
import type { FakeGitea } from '../../src/sandbox/fake-gitea.js';
import { startHttpServer, type HttpServer } from '../../src/ingress/start-http-server.js';
import type { Service } from '../../src/service.js';
import { useFakeGitea } from '../support/fake-gitea.js';
import { parsePromText, type PromText } from '../support/prometheus-text.js';
import { useServiceWorld } from '../support/service-world.js';

const gitea = useFakeGitea({ strict: false });
const world = useServiceWorld(gitea, 'kugetsu-metrics-');

let http: HttpServer | undefined;
afterEach(async () => {
  await http?.close();
  http = undefined;
});

/** The service's app on a real socket on 127.0.0.1. */
async function listen(s: Service): Promise<string> {
  http = await startHttpServer(s.app, { port: 0, host: '127.0.0.1', headersMs: 5_000, requestMs: 10_000 });
  return `http://127.0.0.1:${http.port}`;
}

async function scrape(base: string, authorization?: string): Promise<PromText> {
  const res = await fetch(`${base}/metrics`, authorization ? { headers: { authorization } } : {});
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parsePromText(await res.text());
}

function seed(fake: FakeGitea) {
  fake.addRepo({ owner: 'acme', name: 'app', cloneUrl: world.origin });
  fake.setPermission('acme/app', 'alice', 'write');
  fake.setPermission('acme/app', 'bob', 'read');
  return fake.addIssue('acme/app', { title: 'Do it', body: 'please', author: 'alice' });
}

describe('GET /metrics', { timeout: 90_000 }, () => {
  it('is Prometheus text whose counters move by what a scenario did: deliveries, an admission, a refusal, a turn, outbox sends, Gitea calls', async () => {
    const fake = gitea.fake;
    const issue = seed(fake);
    const s = await world.start(['write:out.txt:{issueKey}']);
    const base = await listen(s);
    await s.idle();
    fake.takeCalls();
    const before = await scrape(base);
    // The process defaults are there, in this service's own registry.
    expect(before.types.get('process_cpu_user_seconds_total')).toBe('counter');
    expect(before.types.get('nodejs_heap_size_used_bytes')).toBe('gauge');
    expect(before.types.get('kugetsu_agent_turn_duration_seconds')).toBe('histogram');

    // alice asks (admitted, one turn); bob, a reader, asks (refused: role); a stranger posts unsigned.
    const ask = (login: string) => {
      const comment = fake.addComment('acme/app', issue.number, { body: '/kugetsu go', author: login });
      return serializePayload(issueCommentPayload({ repo: world.repo(fake), issue, comment: { id: comment.id, body: comment.body }, sender: fake.user(login) }));
    };
    expect((await world.deliver('issue_comment', ask('alice'))).status).toBe(202);
    await s.idle();
    expect((await world.deliver('issue_comment', ask('bob'))).json.reason).toMatch(/^ignored: refused: @bob has read permission/);
    const unsigned = await fetch(`${base}/webhooks/gitea`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json', 'x-gitea-event-type': 'issue_comment' } });
    expect(unsigned.status).toBe(401);
    await s.idle();
    const calls = fake.takeCalls();
    const after = await scrape(base);
    const delta = (name: string, labels: Record<string, string> = {}) => after.sum(name, labels) - before.sum(name, labels);

    expect(delta('kugetsu_deliveries_total', { event_type: 'issue_comment', outcome: 'accepted' })).toBe(1);
    expect(delta('kugetsu_deliveries_total', { event_type: 'issue_comment', outcome: 'ignored' })).toBe(1);
    // The unsigned delivery's event type header is not believed.
    expect(delta('kugetsu_deliveries_total', { event_type: 'unknown', outcome: 'unauthorized' })).toBe(1);
    expect(delta('kugetsu_deliveries_total')).toBe(3);
    expect(delta('kugetsu_admissions_total', { trigger: 'command' })).toBe(1);
    expect(delta('kugetsu_admissions_total')).toBe(1);
    expect(delta('kugetsu_refusals_total', { reason: 'role' })).toBe(1);
    expect(delta('kugetsu_refusals_total')).toBe(1);

    const [job] = await s.store.listByIssue(`acme/app#${issue.number}` as never);
    expect(job?.state).toBe('succeeded');
    expect(delta('kugetsu_agent_turn_duration_seconds_count', { agent: 'command', outcome: 'succeeded' })).toBe(1);
    expect(delta('kugetsu_agent_turn_duration_seconds_sum', { agent: 'command', outcome: 'succeeded' })).toBeCloseTo(job!.result!.durationMs / 1000, 6);
    expect(delta('kugetsu_delivery_to_agent_start_seconds_count')).toBe(1);
    expect(after.value('kugetsu_jobs', { state: 'succeeded' })).toBe(1);
    expect(after.value('kugetsu_jobs', { state: 'running' })).toBe(0);
    expect(after.sum('kugetsu_outbox_pending')).toBe(0);

    // Outbox: the 👀 reaction on alice's command and the reply to bob, once each.
    expect(delta('kugetsu_outbox_sent_total', { operation: 'reaction' })).toBe(1);
    expect(delta('kugetsu_outbox_sent_total', { operation: 'comment' })).toBe(1);
    expect(delta('kugetsu_outbox_sent_total', { operation: 'status_comment' })).toBeGreaterThanOrEqual(1);
    expect(delta('kugetsu_outbox_retries_total') + delta('kugetsu_outbox_failures_total')).toBe(0);

    // Gitea: every request the fake answered was counted once, under its route template and status.
    expect(delta('kugetsu_gitea_requests_total')).toBe(calls.length);
    expect(delta('kugetsu_gitea_request_duration_seconds_count')).toBe(calls.length);
    const created = calls.filter((c) => c.method === 'POST' && /^\/repos\/acme\/app\/issues\/\d+\/comments$/.test(c.path) && c.status === 201).length;
    expect(created).toBeGreaterThanOrEqual(2); // the status comment and the reply to bob
    expect(delta('kugetsu_gitea_requests_total', { operation: 'POST /repos/{owner}/{repo}/issues/{index}/comments', status: '201' })).toBe(created);
    const permission = calls.filter((c) => c.method === 'GET' && c.path.startsWith('/repos/acme/app/collaborators/')).length;
    expect(delta('kugetsu_gitea_requests_total', { operation: 'GET /repos/{owner}/{repo}/collaborators/{collaborator}/permission', status: '200' })).toBe(permission);
    // No label carries a name from a path, the token, or free text.
    const labelValues = after.samples.flatMap((x) => Object.values(x.labels));
    expect(labelValues.filter((v) => /acme|alice|bob|Do it/.test(v))).toEqual([]);
    expect(labelValues.filter((v) => v.includes(fake.token))).toEqual([]);
    // This process's worker: its slots, none in use now.
    const worker = s.worker!.id;
    expect(after.value('kugetsu_worker_slots', { worker })).toBe(s.worker!.stats().slots);
    expect(after.value('kugetsu_worker_slots_in_use', { worker })).toBe(0);
  });

  it('needs "Authorization: Bearer <KUGETSU_METRICS_TOKEN>" when the token is set, and nothing else of the door changes', async () => {
    seed(gitea.fake);
    const s = await world.start(['write:out.txt:{issueKey}'], { KUGETSU_METRICS_TOKEN: 'scrape-me-please' });
    const base = await listen(s);
    for (const authorization of [undefined, 'Bearer wrong', 'scrape-me-please', 'Basic c2NyYXBlLW1lLXBsZWFzZQ==', 'Bearer scrape-me-please2']) {
      const res = await fetch(`${base}/metrics`, authorization ? { headers: { authorization } } : {});
      expect({ authorization, status: res.status }).toEqual({ authorization, status: 401 });
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="kugetsu metrics"');
      const text = await res.text();
      expect(text).not.toContain('kugetsu_');
      expect(text).not.toContain('scrape-me-please');
    }
    const ok = await scrape(base, 'Bearer scrape-me-please');
    expect(ok.types.get('kugetsu_jobs')).toBe('gauge');
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });

  it('keeps one registry per service: two services in one process count their own deliveries', async () => {
    seed(gitea.fake);
    const first = await world.start(['write:out.txt:{issueKey}']);
    const firstBase = await listen(first);
    const firstHttp = http!;
    http = undefined;
    try {
      await first.stop(1_000);
      const second = await world.start(['write:out.txt:{issueKey}']);
      const secondBase = await listen(second);
      const bad = await fetch(`${secondBase}/webhooks/gitea`, { method: 'POST', body: 'x', headers: { 'content-type': 'text/plain' } });
      expect(bad.status).toBe(415);
      const metrics = await scrape(secondBase);
      expect(metrics.value('kugetsu_deliveries_total', { event_type: 'unknown', outcome: 'unsupported-type' })).toBe(1);
      // The first service's registry saw none of it.
      const old = parsePromText(await (await fetch(`${firstBase}/metrics`)).text());
      expect(old.sum('kugetsu_deliveries_total')).toBe(0);
    } finally {
      await firstHttp.close();
    }
  });
});
