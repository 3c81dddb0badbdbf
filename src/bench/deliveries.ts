import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { signBody } from '../ingress/verify-signature.js';
import { issueCommentPayload, issueLabelPayload, serializePayload, type TemplateRepo, type TemplateUser } from '../sandbox/delivery-templates.js';

/** One webhook delivery the load generator sends: the exact body and the event headers Gitea sets. */
export interface BenchDelivery {
  /** What the delivery is, for the notes: `plain comment`, `label (no trigger)`, `push`, `PR comment`, `/kugetsu`. */
  kind: string;
  /** Fine event type (`X-Gitea-Event-Type`). */
  eventType: string;
  /** Coarse event (`X-Gitea-Event`, `X-GitHub-Event`). */
  coarse: string;
  body: string;
}

const FIXTURES = new URL('../../fixtures/gitea/', import.meta.url);
const fixture = (name: string): string => readFileSync(fileURLToPath(new URL(name, FIXTURES)), 'utf8');

/** Markdown of about `bytes` bytes, like a long issue description (steps, a log excerpt). */
export function issueText(bytes: number, seed = 0): string {
  const lines = ['## Steps to reproduce', '', '1. run `npm test` on a fresh clone', '2. watch the integration suite', '', '## Log', '', '```'];
  let i = 0;
  while (lines.join('\n').length < bytes - 40) {
    lines.push(`2024-05-0${(i % 9) + 1}T10:${String(i % 60).padStart(2, '0')}:17Z worker-${(i + seed) % 7} retrying request ${i} after 503 (attempt ${(i % 5) + 1})`);
    i++;
  }
  lines.push('```', '', 'Expected: the suite passes.');
  return lines.join('\n');
}

/**
 * The non-triggering deliveries of the realistic mix, 8–19 KB each, built on the captures in
 * `fixtures/gitea/`: plain comments (no `/kugetsu` line), label changes without the trigger label,
 * pushes, and a real pull-request comment capture (its bytes untouched).
 */
export function nonTriggeringDeliveries(repo: TemplateRepo, sender: TemplateUser): BenchDelivery[] {
  const comment = (n: number, size: number): BenchDelivery => ({
    kind: 'plain comment',
    eventType: 'issue_comment',
    coarse: 'issue_comment',
    body: serializePayload(
      issueCommentPayload({
        repo,
        issue: { number: n, title: `Flaky integration test #${n}`, body: issueText(size - 6500, n) },
        comment: { id: 5_000_000 + n, body: 'Thanks, I can reproduce this on main too. Looks like a race in the retry loop.' },
        sender,
      }),
    ),
  });
  const label = (n: number, size: number): BenchDelivery => ({
    kind: 'label (no trigger)',
    eventType: 'issue_label',
    coarse: 'issues',
    body: serializePayload(
      issueLabelPayload({
        repo,
        issue: {
          number: n,
          title: `Flaky integration test #${n}`,
          body: issueText(size - 5700, n),
          labels: [
            { id: 11, name: 'bug' },
            { id: 12, name: 'help wanted' },
          ],
        },
        sender,
      }),
    ),
  });
  const push = (commits: number): BenchDelivery => {
    const p = JSON.parse(fixture('goplayground__push-event.json')) as Record<string, any>;
    const first = p.commits[0] as Record<string, unknown>;
    p.commits = Array.from({ length: commits }, (_, i) => ({
      ...first,
      id: `${String(i).padStart(8, '0')}${String(first.id).slice(8)}`,
      message: `Fix retry loop, part ${i}\n\nKeeps the worker from spinning.\n`,
    }));
    Object.assign(p.repository, { name: repo.name, full_name: `${repo.owner}/${repo.name}`, clone_url: repo.cloneUrl, html_url: repo.htmlUrl });
    return { kind: 'push', eventType: 'push', coarse: 'push', body: serializePayload(p) };
  };
  const prComment: BenchDelivery = {
    kind: 'PR comment (capture)',
    eventType: 'pull_request_comment',
    coarse: 'issue_comment',
    body: fixture('zulip__pull_request_comment__created.json'),
  };
  return [comment(1, 10_000), label(2, 9_000), push(12), prComment, comment(3, 12_000), label(4, 8_200), push(20), comment(5, 16_000), label(6, 11_000)];
}

/**
 * One measurement's `/kugetsu` comments: comment `idBase + n` (`0 ≤ n < 10,000,000`) on issue
 * `1 + n % issues`, saying `message`. The load generator builds deliveries of them and the bench's
 * fake Gitea answers them when kugetsu reads them back (see {@link commandComment}).
 */
export interface CommandSet {
  idBase: number;
  issues: number;
  message?: string;
}

/** The body of a bench `/kugetsu` comment (≈ 1.3 KB). */
export function commandText(message = 'please fix the retry loop'): string {
  return `/kugetsu ${message}\n\n${issueText(1_200, 3)}`;
}

/** The issue and body of comment `id` of `set`, or `undefined` when the id is not one of its. */
export function commandComment(set: CommandSet, id: number): { issue: number; body: string } | undefined {
  const n = id - set.idBase;
  if (!Number.isSafeInteger(n) || n < 0 || n >= 10_000_000) return undefined;
  return { issue: 1 + (n % set.issues), body: commandText(set.message) };
}

/**
 * A factory of `/kugetsu` comment deliveries, each a NEW delegation: comment `n` gets the unique id
 * `idBase + n` (the event key of a comment is its id) and goes to issue `1 + n % issues`
 * ({@link commandComment}). Bodies are ≈ 11 KB; one template is serialised once and the ids are spliced in.
 */
export function commandDeliveries(repo: TemplateRepo, sender: TemplateUser, options: CommandSet): (n: number) => BenchDelivery {
  const COMMENT = '987654321987';
  const ISSUE = '4444444';
  const body = serializePayload(
    issueCommentPayload({
      repo,
      issue: { number: Number(ISSUE), title: 'Flaky integration test', body: issueText(3_500) },
      comment: { id: Number(COMMENT), body: commandText(options.message) },
      sender,
    }),
  );
  const parts = body.split(COMMENT).map((part) => part.split(ISSUE));
  return (n) => {
    const issue = String(1 + (n % options.issues));
    return { kind: '/kugetsu', eventType: 'issue_comment', coarse: 'issue_comment', body: parts.map((p) => p.join(issue)).join(String(options.idBase + n)) };
  };
}

/**
 * The headers Gitea v1.25 sends with a delivery, signed with the real HMAC: `X-Gitea-Signature`
 * and `X-Hub-Signature-256` (the @octokit/webhooks baseline verifies the latter), the
 * `X-GitHub-Event`/`X-GitHub-Delivery` copies, and the event type headers.
 */
export function deliveryHeaders(d: BenchDelivery, secret: string, deliveryId: string): Record<string, string> {
  const sig = signBody(d.body, secret);
  return {
    'content-type': 'application/json',
    'x-gitea-delivery': deliveryId,
    'x-github-delivery': deliveryId,
    'x-gitea-event': d.coarse,
    'x-github-event': d.coarse,
    'x-gitea-event-type': d.eventType,
    'x-gitea-signature': sig,
    'x-hub-signature-256': `sha256=${sig}`,
    'x-gitea-hook-installation-target-type': 'repository',
  };
}
