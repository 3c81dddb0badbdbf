/**
 * Forged deliveries against a real kugetsu (real SQLite store, real ingress, fake Gitea over msw),
 * both in-process (`app.request`) and over a real socket (@hono/node-server on 127.0.0.1): every
 * forgery is refused with 401 or 415 and a JSON reason that says what to do, and nothing is stored
 * or written to Gitea. The body of every forgery is a legitimate trigger (a `/kugetsu` comment by a
 * user with write access), proven at the end by sending it correctly signed (202).
 */
import { createHmac, randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { serve } from '@hono/node-server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { commentEventKey } from '../../src/events/event-key.js';
import { issueCommentPayload, serializePayload } from '../../src/sandbox/delivery-templates.js';
import type { FakeGitea } from '../../src/sandbox/fake-gitea.js';
import type { Service } from '../../src/service.js';
import { FAKE_AGENT } from '../agents/support.js';
import { useFakeGitea } from '../support/fake-gitea.js';
import { createBareOrigin, makeTempDir, removeDir } from '../support/git-fixtures.js';
import { ADMISSION_TABLES, startRealService, storedDeliveries, tableCounts } from '../support/security-kit.js';
import { memoryLogger } from '../support/test-logger.js';

const SECRET = 'forged-table-secret-5b1c9e';
const OTHER_REPO_SECRET = 'other-repo-own-secret-77d0a2';
const TOKEN = 'forged-table-token-0f3e8a';
const gitea = useFakeGitea({ token: TOKEN });

let tmp: string;
let origin: string;
let service: Service | undefined;
let closeServer: (() => Promise<void>) | undefined;

beforeEach(() => {
  tmp = makeTempDir('kugetsu-forged-');
  origin = createBareOrigin(tmp);
});
afterEach(async () => {
  await closeServer?.();
  closeServer = undefined;
  await service?.stop(5_000);
  service = undefined;
  removeDir(tmp);
});

const hmac = (body: string | Buffer, secret: string) => createHmac('sha256', secret).update(body).digest('hex');

/** acme/app#1 with a `/kugetsu` comment by alice, who has write access; other/repo exists too. */
function seed(fake: FakeGitea) {
  fake.addRepo({ owner: 'acme', name: 'app', cloneUrl: origin });
  fake.addRepo({ owner: 'other', name: 'repo', cloneUrl: origin });
  fake.setPermission('acme/app', 'alice', 'write');
  fake.setPermission('other/repo', 'alice', 'write');
  const issue = fake.addIssue('acme/app', { title: 'Add a greeting', body: 'Please add hello.txt', author: 'alice' });
  const comment = fake.addComment('acme/app', issue.number, { body: '/kugetsu please add hello.txt', author: 'alice' });
  const payload = issueCommentPayload({
    repo: { owner: 'acme', name: 'app', cloneUrl: origin, htmlUrl: `${fake.baseUrl}/acme/app`, defaultBranch: 'main' },
    issue: { number: issue.number, title: issue.title, body: issue.body },
    comment: { id: comment.id, body: comment.body },
    sender: fake.user('alice'),
  });
  return { issue, comment, payload, body: serializePayload(payload) };
}

/** Headers of a genuine delivery of `body` (as Gitea v1.25.4 sends them), signed with `secret`. */
function genuineHeaders(body: string, secret: string): Record<string, string> {
  const delivery = randomUUID();
  const sig = hmac(body, secret);
  return {
    'content-type': 'application/json',
    'x-gitea-delivery': delivery,
    'x-gogs-delivery': delivery,
    'x-github-delivery': delivery,
    'x-gitea-event': 'issue_comment',
    'x-gitea-event-type': 'issue_comment',
    'x-gitea-signature': sig,
    'x-hub-signature-256': `sha256=${sig}`,
    'x-hub-signature': `sha1=${createHmac('sha1', secret).update(body).digest('hex')}`,
    'x-gitea-hook-installation-target-type': 'repository',
  };
}

/** One forged delivery: the bytes sent and every header (nothing is added by the transport). */
interface Forgery {
  name: string;
  body: Buffer;
  headers: Record<string, string>;
  status: 401 | 415;
  /** The reason must match this (it says what to do). */
  reason: RegExp;
}

const MISSING = /missing signature.*KUGETSU_WEBHOOK_SECRET/;
const MISMATCH = /signature does not match.*KUGETSU_WEBHOOK_SECRET/;
const NOT_JSON = /content type must be application\/json/;

function forgeries(body: string): Forgery[] {
  const raw = Buffer.from(body, 'utf8');
  const make = (name: string, status: 401 | 415, reason: RegExp, edit: (h: Record<string, string>) => Buffer | void): Forgery => {
    const headers = genuineHeaders(body, SECRET);
    const replaced = edit(headers);
    return { name, body: replaced ?? raw, headers, status, reason };
  };
  const onlyGitea = (h: Record<string, string>, sig: string) => {
    h['x-gitea-signature'] = sig;
    delete h['x-hub-signature-256'];
    delete h['x-hub-signature'];
  };
  const good = hmac(body, SECRET);
  const flipped = Buffer.from(raw);
  const at = body.indexOf('please add');
  flipped[at] = flipped[at]! ^ 0x20; // "please" → "Please": one byte of the message changed
  const otherBody = body.replace('please add hello.txt', 'run rm -rf / for me');
  const wrongHex = good.replace(/[0-9a-f]/g, (d) => ((parseInt(d, 16) + 7) % 16).toString(16));
  return [
    make('no signature headers at all', 401, MISSING, (h) => {
      delete h['x-gitea-signature'];
      delete h['x-hub-signature-256'];
      delete h['x-hub-signature'];
    }),
    make('empty signature headers (a hook without a secret)', 401, MISSING, (h) => {
      h['x-gitea-signature'] = '';
      h['x-hub-signature-256'] = 'sha256=';
      h['x-hub-signature'] = 'sha1=';
    }),
    make('whitespace-only signature headers', 401, MISSING, (h) => {
      h['x-gitea-signature'] = '   ';
      h['x-hub-signature-256'] = 'sha256= ';
    }),
    make('only the legacy X-Hub-Signature (sha1), correct for the body', 401, MISSING, (h) => {
      delete h['x-gitea-signature'];
      delete h['x-hub-signature-256'];
    }),
    make('wrong signature (64 other hex digits)', 401, MISMATCH, (h) => onlyGitea(h, wrongHex)),
    make('signature made with the wrong secret', 401, MISMATCH, (h) => {
      const sig = hmac(body, 'not-the-secret');
      h['x-gitea-signature'] = sig;
      h['x-hub-signature-256'] = `sha256=${sig}`;
    }),
    make('signature made with the secret plus a trailing newline', 401, MISMATCH, (h) => onlyGitea(h, hmac(body, `${SECRET}\n`))),
    make('truncated signature (first 40 hex digits)', 401, MISMATCH, (h) => onlyGitea(h, good.slice(0, 40))),
    make('truncated X-Hub-Signature-256 alone', 401, MISMATCH, (h) => {
      delete h['x-gitea-signature'];
      h['x-hub-signature-256'] = `sha256=${good.slice(0, 63)}`;
    }),
    make('uppercase hex that is not the HMAC', 401, MISMATCH, (h) => onlyGitea(h, wrongHex.toUpperCase())),
    make('garbage that is not hex', 401, MISMATCH, (h) => onlyGitea(h, 'zz'.repeat(32))),
    make('the HMAC followed by garbage', 401, MISMATCH, (h) => onlyGitea(h, `${good}00`)),
    make('two signatures in one header (a bad one first)', 401, MISMATCH, (h) => onlyGitea(h, `${wrongHex}, ${good}`)),
    make('a SHA-256 of the body without the secret', 401, MISMATCH, (h) => onlyGitea(h, createHmac('sha256', '').update(body).digest('hex'))),
    make('signature of a different body', 401, MISMATCH, (h) => {
      const sig = hmac(otherBody, SECRET);
      h['x-gitea-signature'] = sig;
      h['x-hub-signature-256'] = `sha256=${sig}`;
    }),
    make('valid signature, one byte of the body changed', 401, MISMATCH, () => flipped),
    make('valid signature, body with a trailing newline added', 401, MISMATCH, () => Buffer.concat([raw, Buffer.from('\n')])),
    make('form content type (payload=…), signed over the JSON as Gitea does', 415, NOT_JSON, (h) => {
      h['content-type'] = 'application/x-www-form-urlencoded';
      return Buffer.from(`payload=${encodeURIComponent(body)}`);
    }),
    make('form content type, signed over the form body', 415, NOT_JSON, (h) => {
      const form = `payload=${encodeURIComponent(body)}`;
      h['content-type'] = 'application/x-www-form-urlencoded';
      h['x-gitea-signature'] = hmac(form, SECRET);
      h['x-hub-signature-256'] = `sha256=${hmac(form, SECRET)}`;
      return Buffer.from(form);
    }),
    make('text/plain with a valid signature', 415, NOT_JSON, (h) => {
      h['content-type'] = 'text/plain';
    }),
    make('multipart/form-data with a valid signature', 415, NOT_JSON, (h) => {
      h['content-type'] = 'multipart/form-data; boundary=x';
    }),
    make('application/json-seq with a valid signature', 415, NOT_JSON, (h) => {
      h['content-type'] = 'application/json-seq';
    }),
    make('missing content type with a valid signature', 415, NOT_JSON, (h) => {
      delete h['content-type'];
    }),
  ];
}

type Answer = { status: number; text: string };
type Send = (f: { body: Buffer; headers: Record<string, string> }) => Promise<Answer>;

const inProcess =
  (s: Service): Send =>
  async ({ body, headers }) => {
    // A Uint8Array body: a string body would make Request add "text/plain;charset=UTF-8".
    const res = await s.app.request('/webhooks/gitea', { method: 'POST', body: new Uint8Array(body), headers });
    return { status: res.status, text: await res.text() };
  };

/** Starts @hono/node-server on 127.0.0.1 and returns a sender over node:http (exact headers, no defaults). */
async function overSocket(s: Service): Promise<Send> {
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const srv = serve({ fetch: s.app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(srv));
    srv.once('error', reject);
  });
  closeServer = () =>
    new Promise<void>((resolve) => {
      if ('closeAllConnections' in server) server.closeAllConnections();
      server.close(() => resolve());
    });
  const { port } = server.address() as AddressInfo;
  return ({ body, headers }) =>
    new Promise<Answer>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: '/webhooks/gitea', headers: { ...headers, 'content-length': String(body.length) } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
}

async function start() {
  const logs = memoryLogger();
  service = await startRealService({
    giteaUrl: gitea.fake.baseUrl,
    token: TOKEN,
    secret: SECRET,
    stateDir: path.join(tmp, 'state'),
    agentArgv: ['node', FAKE_AGENT, 'print:done'],
    env: { KUGETSU_REPO_SECRETS: 'other/repo=OTHER_REPO_SECRET', OTHER_REPO_SECRET },
    logger: logs.logger,
  });
  return { s: service, logs, dbFile: path.join(tmp, 'state', 'kugetsu.db') };
}

/** Gitea calls other than reads: a forged delivery must cause none. */
const writes = (fake: FakeGitea) => fake.takeCalls().filter((c) => c.method !== 'GET');

async function expectNothingStored(s: Service, dbFile: string, deliveryIds: string[], eventKey: string) {
  expect(tableCounts(dbFile), JSON.stringify(storedDeliveries(dbFile))).toEqual(Object.fromEntries(ADMISSION_TABLES.map((t) => [t, 0])));
  expect(await s.store.recent(100)).toEqual([]);
  expect(await s.store.knownRepos()).toEqual([]);
  for (const id of deliveryIds) expect(await s.store.hasEvent(id), `delivery ${id} was recorded`).toBe(false);
  expect(await s.store.hasEvent(eventKey), `event ${eventKey} was recorded`).toBe(false);
  expect(await s.store.outboxCounts()).toEqual({ pending: 0, failed: 0 });
  expect(s.worker!.stats()).toMatchObject({ running: 0 });
}

describe.each([
  ['in-process (app.request)', false],
  ['over a real socket (@hono/node-server on 127.0.0.1)', true],
])('forged deliveries %s', (_transport, socket) => {
  it('every forgery is refused with 401/415 and a reason; nothing is stored, Gitea gets no write; the genuine delivery is then accepted', async () => {
    const fake = gitea.fake;
    const { issue, comment, body } = seed(fake);
    const { s, dbFile, logs } = await start();
    const send = socket ? await overSocket(s) : inProcess(s);
    fake.takeCalls(); // start-up: GET /user (and reconciliation reads, if any)

    const table = forgeries(body);
    const results: Array<{ name: string; status: number; json: Record<string, unknown> | undefined; text: string }> = [];
    for (const f of table) {
      const answer = await send(f);
      let json: Record<string, unknown> | undefined;
      try {
        json = JSON.parse(answer.text) as Record<string, unknown>;
      } catch {
        json = undefined;
      }
      results.push({ name: f.name, status: answer.status, json, text: answer.text });
    }
    for (const [i, f] of table.entries()) {
      const r = results[i]!;
      expect.soft(r.status, `${f.name}: ${r.text}`).toBe(f.status);
      expect.soft(r.json, `${f.name}: answer is not JSON: ${r.text}`).toMatchObject({ status: 'rejected', delivery: f.headers['x-gitea-delivery'] });
      expect.soft(String(r.json?.reason), f.name).toMatch(f.reason);
    }
    // Each refusal is logged (with the delivery id), at info, and nothing got further.
    const rejected = logs.lines.filter((l) => l.msg === 'delivery rejected');
    expect(rejected.map((l) => l.delivery)).toEqual(table.map((f) => f.headers['x-gitea-delivery']));
    expect(logs.lines.filter((l) => l.msg === 'delegation queued' || l.msg === 'delivery accepted')).toEqual([]);

    // Let anything that a forgery might have started happen, then look.
    await new Promise((r) => setTimeout(r, 200));
    await s.idle(5_000);
    await expectNothingStored(
      s,
      dbFile,
      table.map((f) => f.headers['x-gitea-delivery']!),
      commentEventKey('acme', 'app', comment.id),
    );
    expect(writes(fake)).toEqual([]);
    expect(fake.commentsOn('acme/app', issue.number)).toHaveLength(1);
    expect(fake.comments.get(comment.id)?.reactions ?? []).toEqual([]);

    // Control: the very same body, genuinely signed, is a trigger.
    const genuine = await send({ body: Buffer.from(body), headers: genuineHeaders(body, SECRET) });
    expect(genuine.status, genuine.text).toBe(202);
    expect(JSON.parse(genuine.text)).toMatchObject({ status: 'accepted', issue: `acme/app#${issue.number}` });
    await s.idle();
    expect((await s.store.recent(10)).map((j) => j.state)).toEqual(['succeeded']);
    fake.takeCalls();
  });
});

describe('secrets of other repositories and the Authorization header', () => {
  it("a repository's own secret signs only that repository's deliveries, whatever full_name the body claims", async () => {
    const fake = gitea.fake;
    const { payload } = seed(fake);
    const { s, dbFile } = await start();
    const send = inProcess(s);
    fake.takeCalls();

    // Each case is a different /kugetsu comment on acme/app#1, so none is deduplicated by another.
    const variant = (fullName: string | undefined) => {
      const c = fake.addComment('acme/app', 1, { body: '/kugetsu please add hello.txt', author: 'alice' });
      const p = structuredClone(payload);
      p.comment.id = c.id;
      if (fullName !== undefined) p.repository.full_name = fullName;
      return serializePayload(p);
    };
    const cases = [
      // Honest body of acme/app signed with other/repo's secret.
      ['acme/app body signed with the secret of other/repo', variant(undefined)],
      // Acts on acme/app (repository.owner.login + name) but claims full_name "other/repo".
      ['acme/app body claiming full_name "other/repo", signed with the secret of other/repo', variant('other/repo')],
      ['acme/app body claiming full_name "OTHER/REPO", signed with the secret of other/repo', variant('OTHER/REPO')],
    ] as const;
    for (const [name, b] of cases) {
      const res = await send({ body: Buffer.from(b), headers: genuineHeaders(b, OTHER_REPO_SECRET) });
      expect.soft(res.status, `${name}: ${res.text}`).toBe(401);
    }
    await s.idle(5_000);
    fake.takeCalls();
    const jobs = await s.store.recent(10);
    expect(
      jobs.map((j) => `${j.issueKey} (delivery ${j.deliveryId})`),
      "a job was created from a delivery signed with another repository's secret",
    ).toEqual([]);
    expect(tableCounts(dbFile)).toMatchObject({ jobs: 0, deliveries: 0, outbox: 0 });
  });

  it('with KUGETSU_WEBHOOK_AUTHORIZATION set, a validly signed delivery without (or with a wrong) Authorization header is refused', async () => {
    const fake = gitea.fake;
    const { body } = seed(fake);
    await service?.stop();
    const logs = memoryLogger();
    service = await startRealService({
      giteaUrl: fake.baseUrl,
      token: TOKEN,
      secret: SECRET,
      stateDir: path.join(tmp, 'state-auth'),
      agentArgv: ['node', FAKE_AGENT],
      env: { KUGETSU_WEBHOOK_AUTHORIZATION: 'Bearer hook-auth-3c1f' },
      logger: logs.logger,
    });
    const send = inProcess(service);
    fake.takeCalls();
    for (const auth of [undefined, '', 'Bearer hook-auth-3c1', 'bearer HOOK-AUTH-3C1F']) {
      const headers = genuineHeaders(body, SECRET);
      if (auth !== undefined) headers['authorization'] = auth;
      const res = await send({ body: Buffer.from(body), headers });
      expect.soft(res.status, `Authorization ${JSON.stringify(auth)}: ${res.text}`).toBe(401);
      expect.soft(res.text).toContain('Authorization');
    }
    expect(tableCounts(path.join(tmp, 'state-auth', 'kugetsu.db'))).toMatchObject({ jobs: 0, deliveries: 0, outbox: 0 });
    expect(writes(fake)).toEqual([]);
  });
});
