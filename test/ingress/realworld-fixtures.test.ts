/**
 * The second, independent set of real Gitea/Forgejo bodies (`shared/fixtures/gitea-realworld/`,
 * read in place, never copied) through the real service, signed with the real HMAC. For a trigger
 * the fake Gitea is seeded with what the body says happened (the repository, the issue or pull
 * request, the comment with its id, the review, the label and who added it, the sender with its
 * id) — Gitea confirms genuine events — and kugetsu must act as `expected.json` says: routed by the
 * Gitea contract, no special case per file.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { issueNumberOfBranch } from '../../src/domain/branch.js';
import type { FakeGitea } from '../../src/sandbox/fake-gitea.js';
import { useFakeGitea } from '../support/fake-gitea.js';
import { FIXTURE_DIR } from '../support/fixtures.js';
import { useServiceWorld } from '../support/service-world.js';

const DIR = path.resolve(FIXTURE_DIR, '../../../shared/fixtures/gitea-realworld');
const expected = JSON.parse(readFileSync(path.join(DIR, 'expected.json'), 'utf8')) as Array<{ file: string; eventType: string; expect: string }>;

// Seeded entities keep the ids the bodies carry; the fake's own ids start far above them.
const gitea = useFakeGitea({ strict: false, firstId: 1_000_000 });
const world = useServiceWorld(gitea, 'kugetsu-realworld-');

/** Seeds the fake with the facts a genuine delivery of `payload` implies. */
function seedFromPayload(fake: FakeGitea, payload: Record<string, any>, eventType: string): void {
  const r = payload.repository;
  if (!r) return;
  const owner = String(r.owner?.login ?? r.owner?.username);
  const full = `${owner}/${r.name}`;
  const sender = String(payload.sender.login ?? payload.sender.username);
  fake.addUser({ login: sender, id: payload.sender.id });
  fake.addRepo({ owner, name: r.name, cloneUrl: world.origin });
  fake.setPermission(full, sender, 'write');
  if (payload.comment && payload.issue) {
    const n = payload.issue.number;
    const isPull = eventType === 'pull_request_comment' || payload.is_pull === true || payload.issue.pull_request != null;
    if (isPull) fake.addPullRequest(full, { number: n, title: payload.issue.title, headRef: payload.pull_request?.head?.ref ?? 'feature', author: sender });
    else fake.addIssue(full, { number: n, title: payload.issue.title, body: payload.issue.body ?? '', author: sender });
    fake.addComment(full, n, { id: payload.comment.id, body: payload.comment.body, author: sender });
  } else if (payload.review && payload.pull_request) {
    const pr = payload.pull_request;
    const linked = issueNumberOfBranch(pr.head.ref);
    if (linked !== undefined && linked !== pr.number) fake.addIssue(full, { number: linked, title: 'The linked issue', author: sender });
    fake.addPullRequest(full, { number: pr.number, title: pr.title, headRef: pr.head.ref, author: sender });
    const state = eventType === 'pull_request_review_rejected' ? 'REQUEST_CHANGES' : eventType === 'pull_request_review_approved' ? 'APPROVED' : 'COMMENT';
    fake.addReview(full, pr.number, { author: sender, body: payload.review.content ?? '', state });
  } else if (payload.issue && eventType === 'issue_label') {
    const n = payload.issue.number;
    fake.addIssue(full, { number: n, title: payload.issue.title, body: payload.issue.body ?? '', author: sender });
    for (const label of payload.issue.labels ?? []) {
      fake.addLabel(full, label.name, { id: label.id });
      fake.labelIssue(full, n, label.name, sender);
    }
  }
}

const TRIGGER: Record<string, string> = { command: 'command', 'review-followup': 'review', 'label-trigger': 'label' };

describe('shared/fixtures/gitea-realworld through the real service', () => {
  it('has an expectation for every body', () => {
    expect(expected.length).toBeGreaterThanOrEqual(36);
  });

  it.each(expected.map((e) => [e.file, e.eventType, e.expect]))('%s (%s) → %s', async (file, eventType, outcome) => {
    const body = readFileSync(path.join(DIR, file), 'utf8');
    seedFromPayload(gitea.fake, JSON.parse(body) as Record<string, any>, eventType);
    const s = await world.start(['write:done.txt:{issueKey}']);
    const res = await world.deliver(eventType, body);
    if (outcome === 'ignored') {
      expect({ status: res.status, answer: res.json.status }).toEqual({ status: 200, answer: 'ignored' });
      await s.idle();
      expect(await s.store.recent(5)).toEqual([]);
      return;
    }
    expect({ status: res.status, answer: res.json.status, reason: res.json.reason }).toEqual({ status: 202, answer: 'accepted', reason: undefined });
    await s.idle();
    const [job] = await s.store.recent(5);
    expect(job?.trigger).toBe(TRIGGER[outcome]);
    expect(job?.id).toBe(res.json.job);
  });
});
