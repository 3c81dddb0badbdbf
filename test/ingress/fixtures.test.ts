import { describe, expect, it } from 'vitest';
import { normalizeDelivery } from '../../src/events/normalize-delivery.js';
import { createIngressApp } from '../../src/ingress/create-ingress-app.js';
import type { Delivery } from '../../src/domain/delivery.js';
import type { Intent } from '../../src/triggers/intent.js';
import { routeEvent } from '../../src/triggers/route-event.js';
import { FIXTURE_EVENTS, fixtureBody, fixtureJson } from '../support/fixtures.js';
import { giteaHeaders } from '../support/signed-request.js';
import { memoryLogger } from '../support/test-logger.js';

const SECRET = 'fixture-secret';

/** The real ingress app whose handler is the real normalise → route path; intents are recorded. */
function appWithRouting(triggerLabel = 'ready') {
  const intents: Intent[] = [];
  const app = createIngressApp({
    secrets: [SECRET],
    allowUnsigned: false,
    logger: memoryLogger().logger,
    onDelivery: (d: Delivery) => {
      const n = normalizeDelivery(d);
      if (!n.ok) return 'invalid' in n ? { status: 'rejected', reason: n.invalid } : { status: 'ignored', reason: n.ignored };
      const intent = routeEvent(n.event, {
        settingsFor: () => ({ triggerLabels: [triggerLabel], command: '/kugetsu', branchTemplate: 'kugetsu/issue-{number}' }),
        botUserId: 999_999,
      });
      intents.push(intent);
      if (intent.kind === 'ignore') return { status: 'ignored', reason: intent.reason };
      // A label event without the trigger label only matters when a label job waits (it is canceled).
      if (intent.kind === 'control') return { status: 'ignored', reason: `control: ${intent.action}` };
      return { status: 'accepted', jobId: 'j1', issueKey: intent.delegation.issueKey };
    },
  });
  return { app, intents };
}

async function post(app: ReturnType<typeof appWithRouting>['app'], body: string, file: string) {
  const [coarse, fine] = FIXTURE_EVENTS[file]!;
  const res = await app.request('/webhooks/gitea', { method: 'POST', body, headers: giteaHeaders(body, fine, { coarse, secret: SECRET }) });
  return { status: res.status, json: (await res.json()) as Record<string, string> };
}

describe('every real Gitea capture through the real app, signed with the real HMAC', () => {
  const expected: Record<string, string> = {
    'goplayground__issues-event.json': 'ignored: event type "issues" is not one kugetsu acts on',
    'goplayground__issue-label-event.json': 'ignored: control: label-removed',
    'goplayground__issue-assign-event.json': 'ignored: event type "issue_assign" is not one kugetsu acts on',
    'goplayground__issue-comment-event.json': 'ignored: comment has no line starting with /kugetsu',
    'goplayground__pull-request-comment-event.json': 'ignored: comment has no line starting with /kugetsu',
    'goplayground__pull-request-event.json': 'ignored: event type "pull_request" is not one kugetsu acts on',
    'goplayground__pull-request-label-event.json': 'ignored: event type "pull_request_label" is not one kugetsu acts on',
    'goplayground__pull-request-review-event.json': 'ignored: pull_request_comment action "reviewed" is not a new comment',
    'goplayground__push-event.json': 'ignored: event type "push" is not one kugetsu acts on',
    'woodpecker__HookPullRequest.json': 'ignored: event type "pull_request" is not one kugetsu acts on',
    'woodpecker__HookPullRequestMerged.json': 'ignored: event type "pull_request" is not one kugetsu acts on',
    'woodpecker__HookPullRequestReviewAck.json': 'ignored: event type "pull_request_review_approved" is not one kugetsu acts on',
    'woodpecker__HookPullRequestReviewDeny.json': 'ignored: pull request head branch "jony-patch-1" was not created by kugetsu',
    'woodpecker__HookPullRequestReviewComment.json': 'ignored: event type "pull_request_review_comment" is not one kugetsu acts on',
    'woodpecker__HookPullRequestAddLabel.json': 'ignored: event type "pull_request_label" is not one kugetsu acts on',
    'woodpecker__HookPullRequestAddReviewRequest.json': 'ignored: event type "pull_request_review_request" is not one kugetsu acts on',
    'woodpecker__HookPush.json': 'ignored: event type "push" is not one kugetsu acts on',
    'zulip__pull_request_comment__created.json': 'ignored: comment has no line starting with /kugetsu',
  };

  it('covers every fixture file', () => {
    expect(Object.keys(expected).sort()).toEqual(Object.keys(FIXTURE_EVENTS).sort());
  });

  it.each(Object.entries(expected))('%s → %s', async (file, reason) => {
    const { app } = appWithRouting();
    const { status, json } = await post(app, fixtureBody(file), file);
    expect(status).toBe(200);
    expect(json.status).toBe('ignored');
    expect(json.reason).toBe(reason);
    expect(json.delivery).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('the same captures with a trigger in them become delegations', () => {
  it('issue_label with the trigger label → label delegation on the issue key, label id kept for removal', async () => {
    const file = 'goplayground__issue-label-event.json';
    const { app, intents } = appWithRouting('bug');
    const { status, json } = await post(app, fixtureBody(file), file);
    expect(status).toBe(202);
    expect(json).toMatchObject({ status: 'accepted', issue: 'example/example#1' });
    expect(intents[0]).toMatchObject({
      kind: 'delegate',
      delegation: { trigger: 'label', issueNumber: 1, replyTo: 1, message: '', triggerLabelId: 1, sender: { login: 'example' } },
    });
  });

  it.each([
    ['goplayground__issue-comment-event.json', 'example/example#1', 1],
    ['goplayground__pull-request-comment-event.json', 'example/example#2', 2],
    ['zulip__pull_request_comment__created.json', 'Aneesh-Hegde/test-repo#3', 3],
  ])('%s with a /kugetsu line → command delegation', async (file, key, n) => {
    const payload = fixtureJson(file);
    payload.comment.body = 'Looks good.\n/kugetsu please add tests\nfor the parser';
    const body = JSON.stringify(payload, null, 2);
    const { app, intents } = appWithRouting();
    const { status, json } = await post(app, body, file);
    expect(status).toBe(202);
    expect(json.issue).toBe(key);
    expect(intents[0]).toMatchObject({
      kind: 'delegate',
      delegation: { trigger: 'command', message: 'please add tests\nfor the parser', commentId: payload.comment.id, issueNumber: n },
    });
  });

  // zulip anonymised repository.name ("test-repo") but not full_name; the key uses owner.login + name, as API paths do.
  it('a /kugetsu comment on a PR whose head is a kugetsu branch works on the linked issue (Gitea ≥ 1.23 payload)', async () => {
    const file = 'zulip__pull_request_comment__created.json';
    const payload = fixtureJson(file);
    payload.comment.body = '/kugetsu rename the helper';
    payload.pull_request.head.ref = 'kugetsu/issue-12';
    // The captured PR comes from a fork; kugetsu's branches live in the repository itself.
    payload.pull_request.head.repo_id = payload.pull_request.base.repo_id;
    const { app, intents } = appWithRouting();
    const { json } = await post(app, JSON.stringify(payload, null, 2), file);
    expect(json.issue).toBe('Aneesh-Hegde/test-repo#12');
    expect(intents[0]).toMatchObject({ delegation: { issueNumber: 12, replyTo: payload.issue.number } });
  });

  it("the same comment on the captured fork's PR, its branch named like kugetsu's, stays on that PR", async () => {
    const file = 'zulip__pull_request_comment__created.json';
    const payload = fixtureJson(file);
    payload.comment.body = '/kugetsu rename the helper';
    payload.pull_request.head.ref = 'kugetsu/issue-12';
    expect(payload.pull_request.head.repo_id).not.toBe(payload.pull_request.base.repo_id);
    const { app, intents } = appWithRouting();
    const { json } = await post(app, JSON.stringify(payload, null, 2), file);
    expect(json.issue).toBe(`Aneesh-Hegde/test-repo#${payload.issue.number}`);
    expect(intents[0]).toMatchObject({
      delegation: { issueNumber: payload.issue.number, onPullRequest: { number: payload.issue.number, headRef: 'kugetsu/issue-12', fromFork: true } },
    });
  });

  it('changes requested on a kugetsu PR → review follow-up on the linked issue with the review text', async () => {
    const file = 'woodpecker__HookPullRequestReviewDeny.json';
    const payload = fixtureJson(file);
    payload.pull_request.head.ref = 'kugetsu/issue-3';
    const { app, intents } = appWithRouting();
    const { status, json } = await post(app, JSON.stringify(payload, null, 2), file);
    expect(status).toBe(202);
    expect(json.issue).toBe('a_nice_user/hello_world_ci#3');
    expect(intents[0]).toMatchObject({ delegation: { trigger: 'review', message: 'I decided otherwhies :O', replyTo: payload.pull_request.number, issueNumber: 3 } });
  });

  it("the bot's own comment never triggers, even with a command line in it", async () => {
    const file = 'goplayground__issue-comment-event.json';
    const payload = fixtureJson(file);
    payload.comment.body = '/kugetsu do it';
    payload.sender.id = 999_999;
    const { app, intents } = appWithRouting();
    const { json } = await post(app, JSON.stringify(payload, null, 2), file);
    expect(json.reason).toBe("ignored: sent by kugetsu's own account");
    expect(intents[0]?.kind).toBe('ignore');
  });
});
