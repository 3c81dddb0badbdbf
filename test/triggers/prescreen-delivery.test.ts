/**
 * The door's prescreen (issue 16): what it ignores unparsed must be exactly what the whole way
 * (parse → `normalizeDelivery` → `routeEvent`) ignores too — checked on every real capture of both
 * fixture sets — and a command it cannot rule out from the bytes (any case, JSON escapes, another
 * repository's command word) always goes the whole way.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Delivery } from '../../src/domain/delivery.js';
import { ACTED_ON_EVENT_TYPES, unhandledTypeReason } from '../../src/events/acted-on-event-types.js';
import { normalizeDelivery } from '../../src/events/normalize-delivery.js';
import { issueCommentPayload, serializePayload } from '../../src/sandbox/delivery-templates.js';
import { parseCommand } from '../../src/triggers/parse-command.js';
import { createPrescreen } from '../../src/triggers/prescreen-delivery.js';
import { routeEvent } from '../../src/triggers/route-event.js';
import { FIXTURE_DIR, FIXTURE_EVENTS } from '../support/fixtures.js';

const REALWORLD = path.resolve(FIXTURE_DIR, '../../../shared/fixtures/gitea-realworld');
const realworld = JSON.parse(readFileSync(path.join(REALWORLD, 'expected.json'), 'utf8')) as Array<{ file: string; eventType: string; expect: string }>;
/** Every real capture with the fine event type Gitea sends it under. */
const captures: Array<{ name: string; eventType: string; body: string }> = [
  ...Object.entries(FIXTURE_EVENTS).map(([file, [, eventType]]) => ({ name: file, eventType, body: readFileSync(path.join(FIXTURE_DIR, file), 'utf8') })),
  ...realworld.map((e) => ({ name: `realworld/${e.file}`, eventType: e.eventType, body: readFileSync(path.join(REALWORLD, e.file), 'utf8') })),
];

const SETTINGS = { triggerLabels: ['ready'], command: '/kugetsu', branchTemplate: 'kugetsu/issue-{number}' };

/** What the whole way makes of a delivery: `ignore` or the intent's kind. */
function wholeWay(eventType: string, body: string): string {
  const delivery: Delivery = { id: 'd', eventType, event: undefined, targetType: undefined, payload: JSON.parse(body), size: body.length, bodySha256: 'x', receivedAt: new Date() };
  const normalized = normalizeDelivery(delivery);
  if (!normalized.ok) return 'invalid' in normalized ? 'invalid' : 'ignore';
  return routeEvent(normalized.event, { settingsFor: () => SETTINGS, botUserId: undefined }).kind;
}

const bytes = (s: string) => new Uint8Array(Buffer.from(s));

function commentBody(comment: string, owner = 'acme', name = 'app'): string {
  const user = { id: 7, login: 'alice' };
  const repo = { owner, name, cloneUrl: `https://gitea.test/${owner}/${name}.git`, htmlUrl: `https://gitea.test/${owner}/${name}`, defaultBranch: 'main' };
  return serializePayload(issueCommentPayload({ repo, issue: { number: 3, title: 'Flaky test', body: 'It fails on main.' }, comment: { id: 41, body: comment }, sender: user }));
}

describe('prescreen of a verified delivery, before it is parsed', () => {
  const prescreen = createPrescreen(() => ['/kugetsu']);

  it('ignores unparsed only what the whole way ignores, on every real capture', () => {
    const screened: string[] = [];
    for (const c of captures) {
      const reason = prescreen(c.eventType, bytes(c.body));
      if (reason === undefined) continue;
      screened.push(c.name);
      expect({ name: c.name, outcome: wholeWay(c.eventType, c.body) }).toEqual({ name: c.name, outcome: 'ignore' });
    }
    // Not vacuous: pushes, pull-request updates and plain comments of both sets are screened.
    expect(screened.length).toBeGreaterThanOrEqual(20);
    expect(screened).toContain('goplayground__push-event.json');
    expect(screened).toContain('goplayground__issue-comment-event.json');
  });

  it('lets every capture that asks for work go the whole way', () => {
    for (const e of realworld.filter((r) => r.expect !== 'ignored')) {
      const body = readFileSync(path.join(REALWORLD, e.file), 'utf8');
      expect({ file: e.file, reason: prescreen(e.eventType, bytes(body)) }).toEqual({ file: e.file, reason: undefined });
    }
  });

  it('gives the reason the whole way gives for an event type kugetsu never acts on', () => {
    const push = captures.find((c) => c.eventType === 'push')!;
    const delivery: Delivery = {
      id: 'd',
      eventType: 'push',
      event: undefined,
      targetType: undefined,
      payload: JSON.parse(push.body),
      size: 1,
      bodySha256: 'x',
      receivedAt: new Date(),
    };
    expect(prescreen('push', bytes(push.body))).toBe((normalizeDelivery(delivery) as { ignored: string }).ignored);
    // The types it lets through all reach routing.
    for (const type of ACTED_ON_EVENT_TYPES) expect(normalizeDelivery({ ...delivery, eventType: type })).not.toEqual({ ok: false, ignored: unhandledTypeReason(type) });
  });

  it.each([
    ['the word in another case', '/KuGetsu fix the retry loop'],
    ['a JSON-escaped slash', String.raw`\/kugetsu fix it`],
    ['a \\u escape of the slash', String.raw`\u002Fkugetsu fix it`],
    ['a \\u escape of an upper-case letter', String.raw`/kuGET\u0053U fix it`],
    ['a no-break space after the word', '/kugetsu\u00a0fix it'],
    ['the word at the end of a later line', String.raw`Looks good.\n\n/kugetsu\nfix it`],
  ])('does not screen out a command spelled with %s', (_what, spelled) => {
    // `spelled` is JSON text, put into the body's bytes as it stands.
    const body = commentBody('placeholder').replace('placeholder', spelled);
    expect(prescreen('issue_comment', bytes(body))).toBeUndefined();
    // …and it is a command once parsed.
    const comment = (JSON.parse(body) as { comment: { body: string } }).comment.body;
    expect(parseCommand(comment, '/kugetsu')?.message).toBe(spelled.includes('retry') ? 'fix the retry loop' : 'fix it');
    expect(wholeWay('issue_comment', body)).toBe('delegate');
  });

  it('screens out a comment whose escapes cannot spell the word (Go escapes <, > and &)', () => {
    // As Gitea's encoder (Go's encoding/json, HTML-safe) writes them.
    const body = commentBody('a <b> & c && d').replace(/[<>&]/g, (c) => `\\u00${c.charCodeAt(0).toString(16)}`);
    expect((JSON.parse(body) as { comment: { body: string } }).comment.body).toBe('a <b> & c && d');
    expect(prescreen('issue_comment', bytes(body))).toBe('comment has no line starting with /kugetsu');
    expect(prescreen('pull_request_comment', bytes(body))).toBe('comment has no line starting with /kugetsu');
  });

  it('screens out a comment on a repository named after the command word: a path is not a command', () => {
    const body = commentBody('Thanks!', 'kugetsu', 'kugetsu-bot');
    expect(body).toContain('https://gitea.test/kugetsu/kugetsu-bot/issues/3');
    expect(prescreen('issue_comment', bytes(body))).toBe('comment has no line starting with /kugetsu');
    expect(wholeWay('issue_comment', body)).toBe('ignore');
  });

  it('lets a comment through when only the issue text mentions the word (parsing decides)', () => {
    const body = commentBody('Thanks!').replace('It fails on main.', 'See /kugetsu in the docs.');
    expect(prescreen('issue_comment', bytes(body))).toBeUndefined();
    expect(wholeWay('issue_comment', body)).toBe('ignore');
  });

  it("looks for every repository's command word and follows a reload", () => {
    let words: readonly string[] = ['/bot', '/kugetsu'];
    const screen = createPrescreen(() => words);
    const body = commentBody('/bot please fix');
    expect(screen('issue_comment', bytes(body))).toBeUndefined();
    expect(screen('issue_comment', bytes(commentBody('ok')))).toBe('comment has no line starting with /bot or /kugetsu');
    words = ['/kugetsu'];
    expect(screen('issue_comment', bytes(body))).toBe('comment has no line starting with /kugetsu');
  });

  it('never screens label changes and reviews, nor comments when a word is not ASCII', () => {
    const plain = commentBody('ok');
    expect(prescreen('issue_label', bytes('{}'))).toBeUndefined();
    expect(prescreen('pull_request_review_rejected', bytes('{}'))).toBeUndefined();
    expect(createPrescreen(() => ['/kügetsu'])('issue_comment', bytes(plain))).toBeUndefined();
    expect(createPrescreen(() => [])('issue_comment', bytes(plain))).toBeUndefined();
  });
});
