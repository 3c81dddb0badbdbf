/**
 * Table tests for routing (issue 12): `routeEvent(event, policy)` over every event kind and the
 * facts that decide — the bot's own sender, unsafe repository names, trigger labels (present,
 * absent, other case, several, per-repository), the command word (per-repository; quoted, fenced,
 * mid-line), the subcommands and near misses, comments and reviews on pull requests whose head is
 * an issue branch (→ that issue) or any other branch. A second table sends deliveries through
 * `normalizeDelivery` first: actions and event types that never reach routing (edited and deleted
 * comments, closed issues, approvals, review comments) and the ones that do.
 * Each row: input → intent kind and its key fields (issue key, trigger, message, reply target) or a
 * fragment of the ignore reason.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Delivery } from '../../src/domain/delivery.js';
import type { RepoRef } from '../../src/domain/repo-ref.js';
import type { Actor, GiteaEvent } from '../../src/events/event.js';
import { normalizeDelivery } from '../../src/events/normalize-delivery.js';
import { issueCommentPayload, issueLabelPayload, reviewRejectedPayload, serializePayload } from '../../src/sandbox/delivery-templates.js';
import { routeEvent, type RoutePolicy } from '../../src/triggers/route-event.js';

const BOT: Actor = { id: 1, login: 'kugetsu-bot' };
const ALICE: Actor = { id: 7, login: 'alice' };

const DEFAULTS = { triggerLabels: ['kugetsu', 'AI-Ready'], command: '/kugetsu', branchTemplate: 'kugetsu/issue-{number}' };
/** `acme/custom` has settings of its own (its `webhooks/` file). */
const CUSTOM = { triggerLabels: ['bot-please'], command: '/bot', branchTemplate: 'agent/{number}-work' };
const policy: RoutePolicy = { settingsFor: (owner, repo) => (`${owner}/${repo}` === 'acme/custom' ? CUSTOM : DEFAULTS), botUserId: BOT.id };

function repo(owner = 'acme', name = 'app'): RepoRef {
  return { owner, name, fullName: `${owner}/${name}`, cloneUrl: `https://gitea.test/${owner}/${name}.git`, defaultBranch: 'main', htmlUrl: `https://gitea.test/${owner}/${name}` };
}

interface On {
  repo?: RepoRef;
  sender?: Actor;
}

/** Issue #5 of `acme/app` now carries `names` (label ids 100, 101, … in order). */
function labels(names: string[], on: On = {}): GiteaEvent {
  return {
    kind: 'issue_labels_changed',
    repo: on.repo ?? repo(),
    issue: {
      number: 5,
      title: 'Fix the parser',
      body: 'It breaks on tabs.',
      htmlUrl: 'https://gitea.test/acme/app/issues/5',
      labels: names.map((name, i) => ({ id: 100 + i, name })),
      isPull: false,
    },
    sender: on.sender ?? ALICE,
  };
}

/** Comment 300 on issue #5, or on PR #9 when `pr` is given (`headRef: undefined`: a payload before Gitea 1.23). */
function comment(body: string, on: On & { pr?: { headRef?: string; fromFork?: boolean } } = {}): GiteaEvent {
  const n = on.pr ? 9 : 5;
  return {
    kind: 'comment_created',
    repo: on.repo ?? repo(),
    issue: { number: n, title: 'Fix the parser', body: 'It breaks on tabs.', htmlUrl: `https://gitea.test/acme/app/issues/${n}`, labels: [], isPull: !!on.pr },
    comment: { id: 300, body, htmlUrl: `https://gitea.test/acme/app/issues/${n}#issuecomment-300` },
    pull: on.pr?.headRef !== undefined ? { headRef: on.pr.headRef, fromFork: on.pr.fromFork ?? false } : undefined,
    sender: on.sender ?? ALICE,
  };
}

/** "Request changes" on PR #9 with head `headRef`. */
function review(headRef: string, content = '  Please add a test.\n', on: On & { fromFork?: boolean } = {}): GiteaEvent {
  return {
    kind: 'review_rejected',
    repo: on.repo ?? repo(),
    pull: { number: 9, title: 'Fix the parser', htmlUrl: 'https://gitea.test/acme/app/pulls/9', headRef, fromFork: on.fromFork ?? false },
    review: { content },
    sender: on.sender ?? ALICE,
  };
}

// What a row expects, matched with toMatchObject; a field expected `undefined` must be absent.
const ignored = (fragment: string) => ({ kind: 'ignore', reason: expect.stringContaining(fragment) });
const delegated = (fields: Record<string, unknown>) => ({ kind: 'delegate', delegation: fields });
const controlled = (action: string, fields: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  kind: 'control',
  action,
  ...extra,
  request: { message: '', ...fields },
});

/** The intent with a delegation's optional fields spelled out, so that a row can expect one absent. */
function spelledOut(intent: object): object {
  const optional = { commentId: undefined, onPullRequest: undefined, issueSnapshot: undefined, triggerLabelId: undefined };
  if ('delegation' in intent) return { ...intent, delegation: { ...optional, ...(intent.delegation as object) } };
  if ('request' in intent) return { ...intent, request: { ...optional, ...(intent.request as object) } };
  return intent;
}

const onIssue5 = { issueKey: 'acme/app#5', issueNumber: 5, replyTo: 5 };
const snapshot5 = { title: 'Fix the parser', body: 'It breaks on tabs.' };
const command = (message: string, extra: Record<string, unknown> = {}) =>
  delegated({ ...onIssue5, trigger: 'command', message, commentId: 300, sender: ALICE, issueSnapshot: snapshot5, onPullRequest: undefined, ...extra });
const fromPr9ToIssue5 = { issueKey: 'acme/app#5', issueNumber: 5, replyTo: 9 };
const onPr9 = { issueKey: 'acme/app#9', issueNumber: 9, replyTo: 9 };

describe('routeEvent', () => {
  it.each<[string, GiteaEvent, object, RoutePolicy?]>([
    // Who sent it, and where.
    ["label added by kugetsu's own account", labels(['kugetsu'], { sender: BOT }), ignored("sent by kugetsu's own account")],
    ["command written by kugetsu's own account (no marker)", comment('/kugetsu go', { sender: BOT }), ignored("sent by kugetsu's own account")],
    ["review by kugetsu's own account", review('kugetsu/issue-5', 'x', { sender: BOT }), ignored("sent by kugetsu's own account")],
    [
      'bot account not known yet: the sender is not compared',
      labels(['kugetsu'], { sender: BOT }),
      delegated({ ...onIssue5, trigger: 'label', sender: BOT }),
      { ...policy, botUserId: undefined },
    ],
    ['owner starting with "-"', labels(['kugetsu'], { repo: repo('-acme', 'app') }), ignored('repository name "-acme/app" is not one kugetsu can work on safely')],
    ['repository name ending in .git', comment('/kugetsu go', { repo: repo('acme', 'app.git') }), ignored('"acme/app.git" is not one kugetsu can work on safely')],
    ['repository name with ".."', review('kugetsu/issue-5', 'x', { repo: repo('acme', 'a..b') }), ignored('"acme/a..b" is not one kugetsu can work on safely')],

    // Labels (the payload carries the whole set, never a delta).
    [
      'trigger label present',
      labels(['kugetsu']),
      delegated({ ...onIssue5, trigger: 'label', message: '', sender: ALICE, triggerLabelId: 100, issueSnapshot: snapshot5, commentId: undefined }),
    ],
    ['trigger label among others: its own id is kept', labels(['bug', 'kugetsu', 'docs']), delegated({ ...onIssue5, trigger: 'label', triggerLabelId: 101 })],
    ['trigger label in another case', labels(['KUGETSU']), delegated({ ...onIssue5, trigger: 'label', triggerLabelId: 100 })],
    ['second configured trigger label, other case', labels(['ai-ready']), delegated({ ...onIssue5, trigger: 'label', triggerLabelId: 100 })],
    ['only other labels: the trigger label is gone', labels(['bug']), controlled('label-removed', { ...onIssue5, trigger: 'label' })],
    ['no labels at all', labels([]), controlled('label-removed', { ...onIssue5, trigger: 'label' })],
    ['label that merely contains the trigger word', labels(['kugetsu-later']), controlled('label-removed', { ...onIssue5, trigger: 'label' })],
    ["repository's own trigger label", labels(['bot-please'], { repo: repo('acme', 'custom') }), delegated({ issueKey: 'acme/custom#5', trigger: 'label', triggerLabelId: 100 })],
    ['the default label on a repository with its own labels', labels(['kugetsu'], { repo: repo('acme', 'custom') }), controlled('label-removed', { issueKey: 'acme/custom#5' })],

    // Comments on an issue.
    ['command with a message', comment('/kugetsu fix the tests'), command('fix the tests')],
    ['command after prose, message runs to the end', comment('Hi!\n/kugetsu fix it\nand add a test'), command('fix it\nand add a test')],
    ['bare command: an empty message', comment('/kugetsu'), command('')],
    ['command word in capitals', comment('/KUGETSU shout'), command('shout')],
    ['comment without a command line', comment('Thanks, looks good!'), ignored('comment has no line starting with /kugetsu')],
    ['command word mid-line', comment('please run /kugetsu later'), ignored('no line starting with /kugetsu')],
    ['command only inside a code fence', comment('```\n/kugetsu do it\n```'), ignored('no line starting with /kugetsu')],
    ['command only in a quote', comment('> /kugetsu do it'), ignored('no line starting with /kugetsu')],
    ['quoted command, then a real one', comment('> /kugetsu old\n/kugetsu new'), command('new')],
    ['fenced command, then a real one', comment('~~~\n/kugetsu no\n~~~\n/kugetsu yes'), command('yes')],
    ['a longer word is not the command', comment('/kugetsu-bot do it'), ignored('no line starting with /kugetsu')],
    ['comment carrying the kugetsu marker', comment('<!-- kugetsu:status job=1 -->\n/kugetsu go'), ignored('comment was written by kugetsu')],
    ["repository's own command word", comment('/bot do it', { repo: repo('acme', 'custom') }), delegated({ issueKey: 'acme/custom#5', trigger: 'command', message: 'do it' })],
    ['the default command word on a repository with its own', comment('/kugetsu do it', { repo: repo('acme', 'custom') }), ignored('comment has no line starting with /bot')],

    // Subcommands: the whole text is one word (case and trailing punctuation aside).
    ...(['help', 'status', 'stop', 'retry', 'reset'] as const).map((word): [string, GiteaEvent, object] => [
      `/kugetsu ${word}`,
      comment(`/kugetsu ${word}`),
      controlled(word, { ...onIssue5, trigger: 'command', commentId: 300, sender: ALICE }),
    ]),
    ['subcommand in capitals with a full stop', comment('/kugetsu STOP.'), controlled('stop', onIssue5)],
    ['near miss of a subcommand', comment('/kugetsu stauts'), controlled('suggest', { ...onIssue5, commentId: 300 }, { word: 'stauts', suggestion: 'status' })],
    ['subcommand word followed by more text is a message', comment('/kugetsu stop the build from failing'), command('stop the build from failing')],
    ["subcommand on the repository's own command word", comment('/bot reset', { repo: repo('acme', 'custom') }), controlled('reset', { issueKey: 'acme/custom#5' })],

    // Comments on pull requests.
    [
      'command on a PR whose head is kugetsu/issue-5 → issue 5',
      comment('/kugetsu add a test', { pr: { headRef: 'kugetsu/issue-5' } }),
      delegated({ ...fromPr9ToIssue5, trigger: 'command', message: 'add a test', commentId: 300, onPullRequest: undefined, issueSnapshot: undefined }),
    ],
    ['subcommand on that PR → issue 5', comment('/kugetsu stop', { pr: { headRef: 'kugetsu/issue-5' } }), controlled('stop', fromPr9ToIssue5)],
    [
      'command on a PR with another branch → that PR, its own head',
      comment('/kugetsu rebase', { pr: { headRef: 'feature/x' } }),
      delegated({ ...onPr9, trigger: 'command', message: 'rebase', onPullRequest: { number: 9, headRef: 'feature/x', fromFork: false }, issueSnapshot: snapshot5 }),
    ],
    [
      'command on a PR from a fork',
      comment('/kugetsu rebase', { pr: { headRef: 'feature/x', fromFork: true } }),
      delegated({ ...onPr9, onPullRequest: { number: 9, headRef: 'feature/x', fromFork: true } }),
    ],
    [
      "command on a fork's PR whose branch is named like kugetsu's: stays on the PR (refused at run time)",
      comment('/kugetsu rebase', { pr: { headRef: 'kugetsu/issue-5', fromFork: true } }),
      delegated({ ...onPr9, onPullRequest: { number: 9, headRef: 'kugetsu/issue-5', fromFork: true } }),
    ],
    ['command on a PR, payload without its head (Gitea < 1.23)', comment('/kugetsu rebase', { pr: {} }), delegated({ ...onPr9, onPullRequest: { number: 9 } })],
    [
      'head kugetsu/issue-0 is not an issue branch',
      comment('/kugetsu go', { pr: { headRef: 'kugetsu/issue-0' } }),
      delegated({ ...onPr9, onPullRequest: { number: 9, headRef: 'kugetsu/issue-0' } }),
    ],
    [
      'head kugetsu/issue-05 is not an issue branch',
      comment('/kugetsu go', { pr: { headRef: 'kugetsu/issue-05' } }),
      delegated({ ...onPr9, onPullRequest: { number: 9, headRef: 'kugetsu/issue-05' } }),
    ],
    [
      "PR head from the repository's own branch template → issue 5",
      comment('/bot go', { repo: repo('acme', 'custom'), pr: { headRef: 'agent/5-work' } }),
      delegated({ issueKey: 'acme/custom#5', issueNumber: 5, replyTo: 9, onPullRequest: undefined }),
    ],
    [
      'default branch name on a repository with its own template',
      comment('/bot go', { repo: repo('acme', 'custom'), pr: { headRef: 'kugetsu/issue-5' } }),
      delegated({ issueKey: 'acme/custom#9', onPullRequest: { number: 9, headRef: 'kugetsu/issue-5' } }),
    ],

    // Reviews requesting changes.
    [
      'changes requested on a kugetsu PR → follow-up on issue 5, text trimmed',
      review('kugetsu/issue-5'),
      delegated({ ...fromPr9ToIssue5, trigger: 'review', message: 'Please add a test.', sender: ALICE, commentId: undefined }),
    ],
    ['changes requested on another PR', review('feature/x'), ignored('pull request head branch "feature/x" was not created by kugetsu')],
    ["changes requested on a fork's PR whose branch is named like kugetsu's", review('kugetsu/issue-5', 'redo', { fromFork: true }), ignored('pull request #9 comes from a fork')],
    [
      "changes requested, repository's own template",
      review('agent/12-work', 'redo', { repo: repo('acme', 'custom') }),
      delegated({ issueKey: 'acme/custom#12', replyTo: 9, trigger: 'review', message: 'redo' }),
    ],
  ])('%s', (_name, event, expected, routePolicy = policy) => {
    expect(spelledOut(routeEvent(event, routePolicy))).toMatchObject(expected);
  });
});

/** A verified delivery of `payload` as `eventType` with `action` put in. */
function delivery(eventType: string, payload: Record<string, unknown>, action: string): Delivery {
  const body = serializePayload({ ...payload, action });
  return {
    id: 'd-1',
    eventType,
    event: undefined,
    targetType: 'repository',
    payload: JSON.parse(body),
    size: body.length,
    bodySha256: createHash('sha256').update(body).digest('hex'),
    receivedAt: new Date(),
  };
}

const tRepo = { owner: 'acme', name: 'app', cloneUrl: 'https://gitea.test/acme/app.git', htmlUrl: 'https://gitea.test/acme/app', defaultBranch: 'main' };
const tIssue = { number: 5, title: 'Fix the parser', body: 'It breaks on tabs.' };
const commentOn = (text: string) => issueCommentPayload({ repo: tRepo, issue: tIssue, comment: { id: 300, body: text }, sender: ALICE });
const labelled = (name: string) => issueLabelPayload({ repo: tRepo, issue: { ...tIssue, labels: [{ id: 100, name }] }, sender: ALICE });
const cleared = issueLabelPayload({ repo: tRepo, issue: { ...tIssue, labels: [] }, sender: ALICE });
const rejected = (headRef: string) => reviewRejectedPayload({ repo: tRepo, pull: { number: 9, title: 'Fix', headRef }, review: 'Please add a test.', sender: ALICE });

describe('deliveries: normalizeDelivery, then routeEvent', () => {
  it.each<[string, Delivery, object]>([
    ['new comment with a command', delivery('issue_comment', commentOn('/kugetsu go'), 'created'), command('go')],
    ['edited comment (even with a command)', delivery('issue_comment', commentOn('/kugetsu go'), 'edited'), ignored('issue_comment action "edited" is not a new comment')],
    ['deleted comment', delivery('issue_comment', commentOn('/kugetsu go'), 'deleted'), ignored('issue_comment action "deleted" is not a new comment')],
    ['edited PR comment', delivery('pull_request_comment', commentOn('/kugetsu go'), 'edited'), ignored('pull_request_comment action "edited" is not a new comment')],
    ['review submitted as comment before Gitea 1.19.1', delivery('pull_request_comment', commentOn('/kugetsu go'), 'reviewed'), ignored('action "reviewed" is not a new comment')],
    ['issue closed', delivery('issues', labelled('kugetsu'), 'closed'), ignored('event type "issues" is not one kugetsu acts on')],
    ['issue reopened', delivery('issues', labelled('kugetsu'), 'reopened'), ignored('event type "issues" is not one kugetsu acts on')],
    ['trigger label on the issue', delivery('issue_label', labelled('kugetsu'), 'label_updated'), delegated({ ...onIssue5, trigger: 'label', triggerLabelId: 100 })],
    [
      'every label cleared at once (the trigger label with them)',
      delivery('issue_label', cleared, 'label_cleared'),
      controlled('label-removed', { ...onIssue5, trigger: 'label' }),
    ],
    ['label on a pull request', delivery('pull_request_label', labelled('kugetsu'), 'label_updated'), ignored('event type "pull_request_label" is not one kugetsu acts on')],
    [
      'changes requested on a kugetsu PR',
      delivery('pull_request_review_rejected', rejected('kugetsu/issue-5'), 'reviewed'),
      delegated({ ...fromPr9ToIssue5, trigger: 'review', message: 'Please add a test.' }),
    ],
    ['changes requested on another PR', delivery('pull_request_review_rejected', rejected('feature/x'), 'reviewed'), ignored('head branch "feature/x" was not created by kugetsu')],
    [
      'approved kugetsu PR',
      delivery('pull_request_review_approved', rejected('kugetsu/issue-5'), 'reviewed'),
      ignored('event type "pull_request_review_approved" is not one kugetsu acts on'),
    ],
    [
      'review submitted as "Comment"',
      delivery('pull_request_review_comment', rejected('kugetsu/issue-5'), 'reviewed'),
      ignored('event type "pull_request_review_comment" is not one kugetsu acts on'),
    ],
  ])('%s', (_name, d, expected) => {
    const normalized = normalizeDelivery(d);
    const intent = normalized.ok
      ? routeEvent(normalized.event, policy)
      : 'ignored' in normalized
        ? { kind: 'ignore', reason: normalized.ignored }
        : { kind: 'invalid', reason: normalized.invalid };
    expect(spelledOut(intent)).toMatchObject(expected);
  });
});
