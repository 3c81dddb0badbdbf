import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Folder of the real Gitea deliveries copied from shared/fixtures/gitea (see SOURCES.md there). */
export const FIXTURE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/gitea');

/**
 * The headers a modern Gitea (≥ 1.19.1) sends with each fixture, as SOURCES.md derives them from
 * Gitea v1.25.4 `modules/webhook/type.go`: [coarse X-Gitea-Event, fine X-Gitea-Event-Type].
 */
export const FIXTURE_EVENTS: Record<string, [coarse: string, fine: string]> = {
  'goplayground__issues-event.json': ['issues', 'issues'],
  'goplayground__issue-label-event.json': ['issues', 'issue_label'],
  'goplayground__issue-assign-event.json': ['issues', 'issue_assign'],
  'goplayground__issue-comment-event.json': ['issue_comment', 'issue_comment'],
  'goplayground__pull-request-comment-event.json': ['issue_comment', 'pull_request_comment'],
  'goplayground__pull-request-event.json': ['pull_request', 'pull_request'],
  'goplayground__pull-request-label-event.json': ['pull_request', 'pull_request_label'],
  // Pre-1.19.1 naming: a review submitted as "Comment" arrived under these headers.
  'goplayground__pull-request-review-event.json': ['issue_comment', 'pull_request_comment'],
  'goplayground__push-event.json': ['push', 'push'],
  'woodpecker__HookPullRequest.json': ['pull_request', 'pull_request'],
  'woodpecker__HookPullRequestMerged.json': ['pull_request', 'pull_request'],
  'woodpecker__HookPullRequestReviewAck.json': ['pull_request_approved', 'pull_request_review_approved'],
  'woodpecker__HookPullRequestReviewDeny.json': ['pull_request_rejected', 'pull_request_review_rejected'],
  'woodpecker__HookPullRequestReviewComment.json': ['pull_request_comment', 'pull_request_review_comment'],
  'woodpecker__HookPullRequestAddLabel.json': ['pull_request', 'pull_request_label'],
  'woodpecker__HookPullRequestAddReviewRequest.json': ['pull_request', 'pull_request_review_request'],
  'woodpecker__HookPush.json': ['push', 'push'],
  'zulip__pull_request_comment__created.json': ['issue_comment', 'pull_request_comment'],
};

/** The raw bytes of a fixture, exactly as captured. */
export function fixtureBody(name: string): string {
  return readFileSync(path.join(FIXTURE_DIR, name), 'utf8');
}

/** A fixture parsed, for tests that derive a variant (re-serialised with Gitea's two-space indent). */
export function fixtureJson<T = Record<string, any>>(name: string): T {
  return JSON.parse(fixtureBody(name)) as T;
}
