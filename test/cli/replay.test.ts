import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runAction } from '../../src/cli/context.js';
import { eventTypeOf } from '../../src/cli/event-type-of.js';
import { replayCommand } from '../../src/cli/replay-command.js';
import { createIngressApp } from '../../src/ingress/create-ingress-app.js';
import type { Delivery } from '../../src/domain/delivery.js';
import { memoryLogger } from '../support/test-logger.js';
import { closedPort, serveApp, tempDir, testContext } from './support/cli-kit.js';

const FIXTURES = path.resolve('fixtures/gitea');
const SECRET = 'replay-secret';

/** The real ingress on a socket, recording what reaches the pipeline with the raw body's hash. */
async function server(options: { draining?: boolean; answer?: 'accepted' | 'ignored' } = {}) {
  const seen: Delivery[] = [];
  const app = createIngressApp({
    secrets: [SECRET],
    allowUnsigned: false,
    onDelivery: (d) => {
      seen.push(d);
      return options.answer === 'accepted' ? { status: 'accepted', jobId: '7', issueKey: 'acme/app#1' } : { status: 'ignored', reason: 'recorded' };
    },
    draining: () => options.draining ?? false,
    logger: memoryLogger().logger,
  });
  return { url: await serveApp(app), seen };
}
const ctx = (env: Record<string, string> = { KUGETSU_WEBHOOK_SECRET: SECRET }) => testContext({ KUGETSU_STATE_DIR: tempDir(), ...env });

describe('kugetsu replay', () => {
  it('sends the saved body byte for byte, signed, with the event type judged from its shape', async () => {
    const s = await server({ answer: 'accepted' });
    const file = path.join(FIXTURES, 'goplayground__issue-comment-event.json');
    const c = ctx();
    expect(await replayCommand(file, { url: s.url, deliveryId: 'replay-1' }, c)).toBe(0);
    expect(c.output.stdout).toEqual([
      `✓ issue_comment delivery replay-1 (${readFileSync(file).length} bytes, signed) ← 202 {"status":"accepted","delivery":"replay-1","job":"7","issue":"acme/app#1"}`,
    ]);
    expect(s.seen).toHaveLength(1);
    expect(s.seen[0]).toMatchObject({
      id: 'replay-1',
      eventType: 'issue_comment',
      event: 'issue_comment',
      bodySha256: createHash('sha256').update(readFileSync(file)).digest('hex'),
    });
  });

  it('--event-type overrides the shape; --json prints the answer; the coarse header follows the fine type', async () => {
    const s = await server();
    const c = ctx();
    expect(await replayCommand(path.join(FIXTURES, 'woodpecker__HookPullRequestReviewDeny.json'), { url: s.url, json: true }, c)).toBe(0);
    expect(JSON.parse(c.output.stdout.join('\n'))).toMatchObject({ eventType: 'pull_request_review_rejected', status: 200, body: { status: 'ignored' } });
    expect(s.seen[0]).toMatchObject({ eventType: 'pull_request_review_rejected', event: 'pull_request_rejected' });
    expect(await replayCommand(path.join(FIXTURES, 'goplayground__push-event.json'), { url: s.url, eventType: 'issue_label' }, ctx())).toBe(0);
    expect(s.seen[1]).toMatchObject({ eventType: 'issue_label', event: 'issues' });
  });

  it('exits 1 on 401 (another secret), 2 on 503 (shutting down) and when nothing listens', async () => {
    const file = path.join(FIXTURES, 'goplayground__issue-label-event.json');
    const s = await server();
    const wrong = ctx({ KUGETSU_WEBHOOK_SECRET: 'other' });
    expect(await replayCommand(file, { url: s.url }, wrong)).toBe(1);
    expect(wrong.output.stderr[0]).toMatch(/^✗ issue_label delivery .* ← 401 [\s\S]*→ KUGETSU_WEBHOOK_SECRET here differs from the server's$/);
    const draining = await server({ draining: true });
    expect(await replayCommand(file, { url: draining.url }, ctx())).toBe(2);
    const down = ctx();
    const port = await closedPort();
    expect(await runAction(down, 'replay', () => replayCommand(file, { url: `http://127.0.0.1:${port}` }, down))).toBe(2);
    expect(down.output.stderr[0]).toContain('ECONNREFUSED\n  → start it (kugetsu serve) or pass --url');
    expect(s.seen).toHaveLength(0);
  });

  it('says what to do with a file that is not JSON, has no recognisable shape, or no secret to sign with', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'bad.json'), '{nope');
    writeFileSync(path.join(dir, 'odd.json'), '{"hello":1}');
    const notJson = ctx();
    expect(await runAction(notJson, 'replay', () => replayCommand('bad.json', {}, { ...notJson, cwd: dir }))).toBe(1);
    expect(notJson.output.stderr[0]).toMatch(/bad\.json is not JSON/);
    const odd = ctx();
    expect(await runAction(odd, 'replay', () => replayCommand(path.join(dir, 'odd.json'), {}, odd))).toBe(1);
    expect(odd.output.stderr[0]).toContain('→ pass --event-type');
    const unsigned = ctx({});
    expect(await runAction(unsigned, 'replay', () => replayCommand(path.join(FIXTURES, 'goplayground__issue-comment-event.json'), {}, unsigned))).toBe(1);
    expect(unsigned.output.stderr[0]).toContain('→ set KUGETSU_WEBHOOK_SECRET');
  });
});

describe('the event type of a saved body', () => {
  it.each([
    ['goplayground__issues-event.json', 'issues'],
    ['goplayground__issue-label-event.json', 'issue_label'],
    ['goplayground__issue-assign-event.json', 'issue_assign'],
    ['goplayground__issue-comment-event.json', 'issue_comment'],
    ['goplayground__pull-request-comment-event.json', 'pull_request_comment'],
    ['goplayground__pull-request-event.json', 'pull_request'],
    ['goplayground__pull-request-label-event.json', 'pull_request_label'],
    ['goplayground__pull-request-review-event.json', 'pull_request_review_comment'],
    ['goplayground__push-event.json', 'push'],
    ['woodpecker__HookPullRequestMerged.json', 'pull_request'],
    ['woodpecker__HookPullRequestReviewAck.json', 'pull_request_review_approved'],
    ['woodpecker__HookPullRequestReviewDeny.json', 'pull_request_review_rejected'],
    ['woodpecker__HookPullRequestAddReviewRequest.json', 'pull_request_review_request'],
    ['zulip__pull_request_comment__created.json', 'pull_request_comment'],
  ])('%s → %s', (file, expected) => {
    expect(eventTypeOf(JSON.parse(readFileSync(path.join(FIXTURES, file), 'utf8')))).toBe(expected);
  });
});
