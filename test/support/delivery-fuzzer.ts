/**
 * A seeded generator of hostile webhook deliveries for the fuzz test (test/security/fuzz-deliveries.test.ts).
 * No generated delivery is a legitimate trigger: every structured payload gets one "poison" after its
 * random mutations (an unsafe owner/repo name, the bot as sender, a broken required field, an action
 * or event type kugetsu does not act on, a comment/label/branch that triggers nothing, or an invalid
 * issue number), and raw bodies are never valid trigger JSON.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { issueCommentPayload, issueLabelPayload, reviewRejectedPayload, serializePayload, type TemplateRepo, type TemplateUser } from '../../src/sandbox/delivery-templates.js';
import { FIXTURE_DIR } from './fixtures.js';

export type Rand = () => number;

/** One generated delivery. */
export interface FuzzCase {
  index: number;
  /** Which generator made it and which poison it got, for failure messages. */
  kind: string;
  body: Uint8Array;
  headers: Record<string, string>;
}

/** Event types the ingress routes on (handled ones first) and other real Gitea ones. */
export const HANDLED_TYPES = ['issue_label', 'issue_comment', 'pull_request_comment', 'pull_request_review_rejected'] as const;
const OTHER_TYPES = [
  'issues',
  'issue_assign',
  'issue_milestone',
  'pull_request',
  'pull_request_label',
  'pull_request_sync',
  'pull_request_review_request',
  'pull_request_review_approved',
  'pull_request_review_comment',
  'pull_request_assign',
  'pull_request_milestone',
  'push',
  'create',
  'delete',
  'fork',
  'release',
  'wiki',
  'repository',
  'package',
  'status',
  'workflow_run',
  'workflow_job',
  'Issue_Comment',
  'ISSUE_LABEL',
  'issue-comment',
  'issue_comment_x',
];
const COARSE = ['issues', 'issue_comment', 'pull_request', 'pull_request_approved', 'pull_request_rejected', 'pull_request_comment', 'push', ''];

/** Owner/repository names that must never reach a path or a git command. */
export const UNSAFE_NAMES = [
  '../../x',
  '..',
  '.',
  '--upload-pack=x',
  '--upload-pack=touch /tmp/pwned',
  '-x',
  '-',
  '.hidden',
  'a/b',
  '../etc',
  'name with space',
  'tab\tname',
  'new\nline',
  'nul\u0000byte',
  'ümlaut',
  '$(id)',
  '`id`',
  ';rm -rf ~',
  '%2e%2e',
  '..\\..\\x',
  'x'.repeat(101),
  '\u202egnp.exe',
  'a:b',
  '~root',
  '*',
  '?',
];

/** Unsafe as a repository name only (an owner may end in ".git"). */
const UNSAFE_REPO_NAMES = [...UNSAFE_NAMES, 'x.git', 'repo.git'];

const HOSTILE_STRINGS = [
  '',
  ' ',
  '\u0000',
  '\u0007\u001b[31m',
  '\r\n',
  '\u202e\u2066\u2069',
  '\ufeff',
  '\ud800',
  '\udfff\ud800',
  '🙂'.repeat(50),
  '<!-- hidden -->',
  '<script>alert(1)</script>',
  "'; DROP TABLE jobs; --",
  '{{constructor.constructor("x")()}}',
  '${process.exit(1)}',
  '../../../../etc/passwd',
  '--upload-pack=x',
  '-x',
  'ext::sh -c touch% /tmp/pwned',
  'file:///etc/passwd',
  'https://evil.example/r.git',
  'x'.repeat(10_000),
  'NaN',
  'Infinity',
  '-0',
  '1e309',
  'null',
  'undefined',
  '__proto__',
  'constructor',
  'toString',
  'true',
];
const HOSTILE_NUMBERS = [0, -0, -1, 1.5, -1.5, 0.1, 2 ** 53, 2 ** 53 + 2, -(2 ** 53), 1e308, -1e308, 5e-324, 2 ** 31, -(2 ** 31), 4294967296, 123456789012345680000];
/** Issue/PR numbers that are not positive safe integers (JSON can carry every one of them). */
const BAD_NUMBERS: unknown[] = [0, -0, -1, -42, 1.5, 0.5, 2 ** 53, 1e308, -1e308, 5e-324, '1', '', null, true, [], {}, [1], '0x1'];
const BAD_ACTIONS: unknown[] = [
  'edited',
  'deleted',
  'opened',
  'Created',
  'CREATED',
  'created ',
  ' created',
  'label_Updated',
  'reviewed ',
  '',
  null,
  1,
  [],
  {},
  ['created'],
  { created: true },
];
const ACTIONS = new Set(['created', 'label_updated', 'label_cleared', 'reviewed']);

/** Comment bodies that mention the command but never as a command line. */
const NOT_COMMANDS = [
  'please run kugetsu',
  'x /kugetsu mid-line',
  '> /kugetsu quoted',
  '>/kugetsu quoted too',
  '```\n/kugetsu fenced\n```',
  '~~~\n/kugetsu fenced\n~~~',
  '```\n/kugetsu never closed',
  '/kugetsux',
  '/kugetsu-now',
  '/kugetsu_',
  '\\/kugetsu',
  '/ kugetsu',
  '\u200b/kugetsu',
  'kugetsu',
  '',
  '/kugets',
  '<!-- kugetsu:status job=1 issue=acme/app#1 -->\n/kugetsu run',
  '/kugetsu run\n<!-- kugetsu:status job=9 -->',
];

/** Random helpers over one PRNG. */
export class Gen {
  constructor(readonly rand: Rand) {}
  int(n: number): number {
    return Math.floor(this.rand() * n);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  chance(p: number): boolean {
    return this.rand() < p;
  }
  /** A string of random code points (control, BMP, astral, lone surrogates), never containing "kugetsu". */
  str(max = 40): string {
    const n = this.int(max);
    let s = '';
    for (let i = 0; i < n; i++) {
      const r = this.rand();
      const cp =
        r < 0.1
          ? this.int(32)
          : r < 0.6
            ? 32 + this.int(95)
            : r < 0.85
              ? 0xa0 + this.int(0xd7ff - 0xa0)
              : r < 0.9
                ? 0xd800 + this.int(0x800)
                : 0x10000 + this.int(0x10ffff - 0x10000);
      s += cp >= 0xd800 && cp < 0xe000 ? String.fromCharCode(cp) : String.fromCodePoint(cp);
    }
    return s.replace(/kugetsu/gi, 'k_g');
  }
  /** Any JSON value, nested up to `depth`. */
  value(depth = 3): unknown {
    const r = this.int(depth > 0 ? 10 : 7);
    switch (r) {
      case 0:
        return null;
      case 1:
        return this.chance(0.5);
      case 2:
        return this.pick(HOSTILE_NUMBERS);
      case 3:
        return (this.rand() - 0.5) * 10 ** this.int(20);
      case 4:
        return this.pick(HOSTILE_STRINGS);
      case 5:
        return this.str();
      case 6:
        return this.pick(UNSAFE_NAMES);
      case 7:
        return Array.from({ length: this.int(4) }, () => this.value(depth - 1));
      case 8:
        return this.object(depth - 1);
      default:
        return this.nested(1 + this.int(this.chance(0.1) ? 3000 : 50));
    }
  }
  /** An object with hostile keys (`__proto__`, `constructor`, …) as own enumerable properties. */
  object(depth: number): Record<string, unknown> {
    const o: Record<string, unknown> = {};
    const n = this.int(5);
    for (let i = 0; i < n; i++) {
      const key = this.pick(['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'id', 'login', 'name', 'number', 'body', 'action', this.str(8)]);
      Object.defineProperty(o, key, { value: this.value(depth), enumerable: true, writable: true, configurable: true });
    }
    return o;
  }
  /** `[[[…]]]` or `{"a":{"a":…}}` nested `depth` levels. */
  nested(depth: number): unknown {
    let v: unknown = this.chance(0.5) ? 1 : 'x';
    const arrays = this.chance(0.5);
    for (let i = 0; i < depth; i++) v = arrays ? [v] : { a: v };
    return v;
  }
}

/** The templates: trigger-shaped payloads (before poisoning) and every captured fixture. */
export function loadTemplates(repo: TemplateRepo, sender: TemplateUser, readyLabelId: number) {
  const triggers: Array<{ name: string; payload: Record<string, any> }> = [
    { name: 'comment', payload: issueCommentPayload({ repo, issue: { number: 1, title: 'T', body: 'B' }, comment: { id: 4242, body: '/kugetsu do the thing' }, sender }) },
    { name: 'label', payload: issueLabelPayload({ repo, issue: { number: 1, title: 'T', body: 'B', labels: [{ id: readyLabelId, name: 'ready' }] }, sender }) },
    { name: 'review', payload: reviewRejectedPayload({ repo, pull: { number: 2, title: 'P', headRef: 'kugetsu/issue-1' }, review: 'fix it', sender }) },
  ];
  const fixtures = readdirSync(FIXTURE_DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => ({ name: f, text: readFileSync(path.join(FIXTURE_DIR, f), 'utf8') }));
  return { triggers, fixtures };
}

type Templates = ReturnType<typeof loadTemplates>;

function isObj(v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Every (parent, key) pair in the tree, for random mutation. */
function slots(root: Record<string, any>): Array<[Record<string, any> | unknown[], string | number]> {
  const out: Array<[Record<string, any> | unknown[], string | number]> = [];
  const walk = (v: unknown, depth: number) => {
    if (depth > 6) return;
    if (Array.isArray(v))
      v.forEach((x, i) => {
        out.push([v, i]);
        walk(x, depth + 1);
      });
    else if (isObj(v))
      for (const k of Object.keys(v)) {
        out.push([v, k]);
        walk(v[k], depth + 1);
      }
  };
  walk(root, 0);
  return out;
}

/** Random structural damage: replace, delete, wrap, or add hostile keys, `count` times. */
function mutate(g: Gen, root: Record<string, any>, count: number): void {
  for (let i = 0; i < count; i++) {
    const all = slots(root);
    if (all.length === 0) return;
    const [parent, key] = g.pick(all);
    const op = g.int(5);
    if (op === 0 && !Array.isArray(parent)) delete (parent as Record<string, unknown>)[key as string];
    else if (op === 1) (parent as any)[key] = [(parent as any)[key]];
    else if (op === 2 && isObj((parent as any)[key])) Object.assign((parent as any)[key], g.object(2));
    else (parent as any)[key] = g.value();
  }
}

/** Makes sure `root[key]` is a plain object (replacing junk), and returns it. */
function obj(root: Record<string, any>, key: string): Record<string, any> {
  if (!isObj(root[key])) root[key] = {};
  return root[key] as Record<string, any>;
}

/** `String(v)`, except that a hostile object whose toString throws gives "x" (the generator must not crash). */
function safeString(v: unknown): string {
  try {
    return String(v);
  } catch {
    return 'x';
  }
}

const POISONS = ['unsafe-name', 'bot-sender', 'broken-required', 'bad-action', 'unhandled-type', 'no-trigger-content', 'bad-number'] as const;
type Poison = (typeof POISONS)[number];

/** Applies one poison; returns the event type to send (the poison may choose it). */
function poison(g: Gen, p: Record<string, any>, which: Poison, bot: TemplateUser, eventType: string): string {
  switch (which) {
    case 'unsafe-name': {
      const repo = obj(p, 'repository');
      if (g.chance(0.5)) repo.name = g.pick(UNSAFE_REPO_NAMES);
      else obj(repo, 'owner').login = g.pick(UNSAFE_NAMES);
      if (g.chance(0.3)) repo.full_name = `${safeString(obj(repo, 'owner').login)}/${safeString(repo.name)}`;
      return eventType;
    }
    case 'bot-sender':
      p.sender = { ...(isObj(p.sender) ? p.sender : {}), id: bot.id, login: g.chance(0.8) ? bot.login : g.str(10) || 'x' };
      return eventType;
    case 'broken-required': {
      const field = g.pick(['repository', 'sender'] as const);
      const how = g.int(6);
      if (how === 0) delete p[field];
      else if (how === 1) p[field] = g.pick([null, 0, 'x', [], true]);
      else if (how === 2 && field === 'sender') p.sender = { ...(isObj(p.sender) ? p.sender : {}), id: g.pick(['1', null, 1.5, [], 2 ** 53]) };
      else if (how === 3 && field === 'sender') p.sender = { ...(isObj(p.sender) ? p.sender : {}), login: g.pick(['', null, 7, []]) };
      else if (how === 4) obj(p, 'repository').owner = g.pick([null, 'acme', [], {}, { login: '' }]);
      else obj(p, 'repository').clone_url = g.pick(['', null, 1, []]);
      return eventType;
    }
    case 'bad-action': {
      let a = g.chance(0.7) ? g.pick(BAD_ACTIONS) : g.str(12);
      if (typeof a === 'string' && ACTIONS.has(a)) a = 'edited';
      if (g.chance(0.1)) delete p.action;
      else p.action = a;
      return eventType;
    }
    case 'unhandled-type':
      return g.pick(OTHER_TYPES);
    case 'no-trigger-content': {
      // Kills all three triggers at once: no command line, no trigger label, a head branch that is not kugetsu's.
      obj(p, 'comment').body = g.pick(NOT_COMMANDS);
      obj(p, 'issue').labels = g.pick([[], null, [{ id: 1, name: 'readyy' }], [{ id: 1, name: 'not-ready' }], [{ id: 1, name: 'Ready ' }], [{ id: 1, name: 'r\u200beady' }]]);
      obj(obj(p, 'pull_request'), 'head').ref = g.pick([
        'main',
        'kugetsu/issue-0',
        'kugetsu/issue-1x',
        'kugetsu/issue--1',
        'feature/kugetsu/issue-1',
        'KUGETSU/ISSUE-1',
        '../kugetsu/issue-1',
        '',
      ]);
      if (g.chance(0.5)) delete p.pull_request;
      return eventType;
    }
    case 'bad-number': {
      const n = g.pick(BAD_NUMBERS);
      obj(p, 'issue').number = n;
      if (isObj(p.pull_request)) p.pull_request.number = g.pick(BAD_NUMBERS);
      else obj(p, 'pull_request').number = g.pick(BAD_NUMBERS);
      // Neither a PR head nor a review may name a kugetsu branch the number could come from instead.
      obj(obj(p, 'pull_request'), 'head').ref = 'main';
      return eventType;
    }
  }
}

/** Headers as Gitea sends them, signed (usually validly) over the exact body bytes. */
function headersFor(g: Gen, body: Uint8Array, eventType: string, secret: string): { headers: Record<string, string>; tag: string } {
  const delivery = g.chance(0.9) ? randomUUID() : g.pick(['', '../../etc/passwd', 'x'.repeat(4096), "'; DROP TABLE deliveries; --", '%00', 'local-1', '1', ' ']);
  const sig = createHmac('sha256', secret).update(body).digest('hex');
  const h: Record<string, string> = {
    'content-type': g.chance(0.9) ? 'application/json' : g.pick(['application/json; charset=utf-8', 'APPLICATION/JSON', 'application/json;charset=latin1']),
    'x-gitea-delivery': delivery,
    'x-gitea-event': g.pick(COARSE),
    'x-gitea-event-type': eventType,
    'x-gitea-signature': sig,
    'x-hub-signature-256': `sha256=${sig}`,
    'x-gitea-hook-installation-target-type': g.pick(['repository', 'organization', 'system', 'default', 'user', '', 'x'.repeat(300)]),
  };
  let tag = 'signed';
  const r = g.rand();
  if (r < 0.03) {
    delete h['x-gitea-signature'];
    delete h['x-hub-signature-256'];
    tag = 'unsigned';
  } else if (r < 0.06) {
    h['x-gitea-signature'] = createHmac('sha256', 'wrong').update(body).digest('hex');
    tag = 'wrong-secret';
  } else if (r < 0.08) {
    h['content-type'] = g.pick(['text/plain', 'application/x-www-form-urlencoded', 'application/jsonp', 'json', '']);
    tag = 'content-type';
  } else if (r < 0.1) {
    if (g.chance(0.5)) delete h['x-gitea-event-type'];
    else h['x-gitea-event-type'] = ' ';
    tag = 'no-event-type';
  } else if (r < 0.12) {
    h['x-gitea-signature'] = '';
    tag = 'hub-only';
  }
  return { headers: h, tag };
}

const enc = new TextEncoder();

/** Raw bodies that are not trigger JSON: truncated, broken, not UTF-8, not objects. */
function rawBody(g: Gen, t: Templates): { body: Uint8Array; kind: string } {
  const which = g.int(8);
  switch (which) {
    case 0: {
      const f = g.pick(t.fixtures);
      return { body: enc.encode(f.text.slice(0, g.int(f.text.trimEnd().length))), kind: `truncated-fixture ${f.name}` };
    }
    case 1: {
      const tr = g.pick(t.triggers);
      const text = serializePayload(tr.payload);
      return { body: enc.encode(text.slice(0, g.int(text.length - 1))), kind: `truncated-trigger ${tr.name}` };
    }
    case 2: {
      const n = g.int(2000);
      const b = new Uint8Array(n);
      for (let i = 0; i < n; i++) b[i] = g.int(256);
      return { body: b, kind: 'random-bytes' };
    }
    case 3:
      return {
        body: enc.encode(
          g.pick([
            '',
            'null',
            'true',
            '0',
            '-1',
            '""',
            '[]',
            '[{}]',
            '{}',
            '1e999',
            '{"action":"created"}',
            '['.repeat(100_000),
            '{"a":'.repeat(50_000),
            '\u0000',
            ' ',
            '{"__proto__":{"action":"created"}}',
          ]),
        ),
        kind: 'json-primitive-or-deep',
      };
    case 4: {
      // A trigger-shaped body with broken JSON syntax (comments, trailing commas, single quotes, NaN).
      const text = serializePayload(g.pick(t.triggers).payload);
      const broken = g.pick([
        text.replace('{', '{ // comment\n'),
        text.replace(/\n}$/, ',\n}'),
        text.replace(/"action"/, "'action'"),
        text.replace(/"number": \d+/, '"number": NaN'),
        `${text}x`,
        `${text}${text}`,
      ]);
      return { body: enc.encode(broken), kind: 'broken-syntax' };
    }
    case 5: {
      // Not UTF-8: trigger JSON with an "é" (in a field kugetsu ignores) re-encoded as UTF-16 or
      // latin1, or with one ASCII byte replaced by a lone continuation byte.
      const p = structuredClone(g.pick(t.triggers).payload);
      p.repository.description = 'café';
      const text = serializePayload(p);
      const kind = g.int(3);
      if (kind === 0) return { body: new Uint8Array(Buffer.from(text, 'utf16le')), kind: 'utf16' };
      if (kind === 1) return { body: new Uint8Array(Buffer.from(text, 'latin1')), kind: 'latin1' };
      const b = Buffer.from(text, 'utf8');
      let at = g.int(b.length);
      while (b[at]! >= 0x80) at = (at + 1) % b.length;
      b[at] = 0x80 + g.int(0x40);
      return { body: new Uint8Array(b), kind: 'bad-utf8-byte' };
    }
    case 6: {
      // A JSON value of the wrong top-level type, holding a trigger.
      const p = g.pick(t.triggers).payload;
      return { body: enc.encode(JSON.stringify(g.pick([[p], `${JSON.stringify(p)}`, [p, p], 42]))), kind: 'wrong-top-level' };
    }
    default: {
      const v = g.value(4);
      return { body: enc.encode(JSON.stringify(isObj(v) ? { ...v, action: 'edited' } : v) ?? 'null'), kind: 'random-json' };
    }
  }
}

/**
 * The `index`-th case. About 70 % are structured payloads (a trigger template or a fixture, randomly
 * mutated, then poisoned), the rest raw bodies; nearly all carry a valid signature.
 */
export function generateCase(g: Gen, index: number, t: Templates, bot: TemplateUser, secret: string): FuzzCase {
  let body: Uint8Array;
  let kind: string;
  let eventType = g.chance(0.8) ? g.pick(HANDLED_TYPES) : g.pick(OTHER_TYPES);
  if (g.chance(0.7)) {
    const fromFixture = g.chance(0.25);
    const base = fromFixture ? g.pick(t.fixtures) : undefined;
    const tr = g.pick(t.triggers);
    const p = (base ? JSON.parse(base.text) : structuredClone(tr.payload)) as Record<string, any>;
    mutate(g, p, g.int(6));
    const which = g.pick(POISONS);
    eventType = poison(g, p, which, bot, eventType);
    kind = `${base ? base.name : tr.name} + ${which}`;
    body = enc.encode(g.chance(0.8) ? serializePayload(p) : JSON.stringify(p));
  } else {
    ({ body, kind } = rawBody(g, t));
  }
  const { headers, tag } = headersFor(g, body, eventType, secret);
  return { index, kind: `${kind} [${tag}, ${eventType || 'no type'}]`, body, headers };
}
