import { describe, expect, it } from 'vitest';
import { createIngressApp } from '../../src/ingress/create-ingress-app.js';
import type { Delivery } from '../../src/domain/delivery.js';
import { signBody } from '../../src/ingress/verify-signature.js';
import { chooseSecrets } from '../../src/ingress/webhook-secrets.js';
import { fixtureBody } from '../support/fixtures.js';
import { giteaHeaders } from '../support/signed-request.js';
import { memoryLogger } from '../support/test-logger.js';

const SECRET = 'ingress-secret';
const body = fixtureBody('goplayground__issue-comment-event.json');

function app(
  options: {
    allowUnsigned?: boolean;
    maxBodyBytes?: number;
    draining?: boolean;
    authorization?: string;
    repoSecrets?: Record<string, string[]>;
    storedSecrets?: Record<string, string[]>;
    prescreen?: (eventType: string, raw: Uint8Array) => string | undefined;
  } = {},
) {
  const seen: Delivery[] = [];
  const told: Array<{ eventType: string | undefined; outcome: string }> = [];
  const a = createIngressApp({
    secrets: [SECRET, 'second-secret'],
    ...(options.authorization !== undefined ? { authorization: options.authorization } : {}),
    secretsFor: (fullName) =>
      chooseSecrets(
        {
          global: [SECRET, 'second-secret'],
          repository: (name) => options.repoSecrets?.[name] ?? [],
          organization: (owner) => options.repoSecrets?.[`${owner}/*`] ?? [],
          storedRepository: (name) => options.storedSecrets?.[name] ?? [],
          storedOrganization: (owner) => options.storedSecrets?.[`${owner}/*`] ?? [],
        },
        fullName,
      ),
    allowUnsigned: options.allowUnsigned ?? false,
    maxBodyBytes: options.maxBodyBytes,
    logger: memoryLogger().logger,
    draining: () => options.draining ?? false,
    health: () => ({ running: 0 }),
    ...(options.prescreen ? { prescreen: options.prescreen } : {}),
    observe: (answer) => told.push(answer),
    onDelivery: (d) => {
      seen.push(d);
      return { status: 'accepted', jobId: '1', issueKey: 'example/example#1' };
    },
  });
  const post = (b: string, headers: Record<string, string>) => a.request('/webhooks/gitea', { method: 'POST', body: b, headers });
  return { a, seen, post, told };
}

describe('ingress', () => {
  it('accepts a correctly signed delivery with 202 and the delivery id', async () => {
    const { post, seen } = app();
    const headers = giteaHeaders(body, 'issue_comment', { secret: SECRET, delivery: 'd-1' });
    const res = await post(body, headers);
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ status: 'accepted', delivery: 'd-1', job: '1', issue: 'example/example#1' });
    expect(seen[0]).toMatchObject({ id: 'd-1', eventType: 'issue_comment', event: 'issue_comment', targetType: 'repository', size: Buffer.byteLength(body) });
  });

  it('accepts any of several valid secrets, and X-Hub-Signature-256 alone', async () => {
    const { post } = app();
    const h = giteaHeaders(body, 'issue_comment', { secret: 'second-secret' });
    expect((await post(body, h)).status).toBe(202);
    const hubOnly = { ...h, 'x-gitea-signature': '' };
    expect((await post(body, hubOnly)).status).toBe(202);
  });

  it.each([
    [
      'no signature headers',
      (h: Record<string, string>) => {
        delete h['x-gitea-signature'];
        delete h['x-hub-signature-256'];
      },
      'missing signature',
    ],
    [
      'empty signature headers (hook without secret)',
      (h: Record<string, string>) => {
        h['x-gitea-signature'] = '';
        h['x-hub-signature-256'] = 'sha256=';
      },
      'missing signature',
    ],
    [
      'wrong secret',
      (h: Record<string, string>) => {
        h['x-gitea-signature'] = signBody(body, 'other');
        h['x-hub-signature-256'] = '';
      },
      'does not match',
    ],
    [
      'signature of a different body',
      (h: Record<string, string>) => {
        h['x-gitea-signature'] = signBody(`${body} `, SECRET);
        h['x-hub-signature-256'] = '';
      },
      'does not match',
    ],
    [
      'truncated signature',
      (h: Record<string, string>) => {
        h['x-gitea-signature'] = h['x-gitea-signature']!.slice(0, 40);
        h['x-hub-signature-256'] = '';
      },
      'does not match (it is not 64 hex digits)',
    ],
  ])('401 for %s, and the handler never runs', async (_name, mutate, reason) => {
    const { post, seen } = app();
    const h = giteaHeaders(body, 'issue_comment', { secret: SECRET });
    mutate(h);
    const res = await post(body, h);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { reason: string }).reason).toContain(reason);
    expect(seen).toHaveLength(0);
  });

  it('KUGETSU_ALLOW_UNSIGNED accepts a missing signature but still refuses a wrong one', async () => {
    const { post } = app({ allowUnsigned: true });
    expect((await post(body, giteaHeaders(body, 'issue_comment', { secret: undefined }))).status).toBe(202);
    const wrong = giteaHeaders(body, 'issue_comment', { secret: 'nope' });
    expect((await post(body, wrong)).status).toBe(401);
  });

  it("a repository's own secret is accepted for that repository only, and the global secret no longer is", async () => {
    const { post, seen } = app({ repoSecrets: { 'example/example': ['repo-only-secret'], 'example/other': ['other-repo-secret'] } });
    expect((await post(body, giteaHeaders(body, 'issue_comment', { secret: 'repo-only-secret' }))).status).toBe(202);
    const global = await post(body, giteaHeaders(body, 'issue_comment', { secret: SECRET }));
    expect(global.status).toBe(401);
    expect(((await global.json()) as { reason: string }).reason).toContain('KUGETSU_WEBHOOK_SECRET is not accepted for a repository that has its own secret');
    // Repository B's secret never signs for repository A, nor A's for B.
    expect((await post(body, giteaHeaders(body, 'issue_comment', { secret: 'other-repo-secret' }))).status).toBe(401);
    const other = JSON.parse(body) as { repository: { name: string; full_name: string } };
    other.repository.name = 'other';
    const otherRepo = JSON.stringify(other, null, 2);
    expect((await post(otherRepo, giteaHeaders(otherRepo, 'issue_comment', { secret: 'repo-only-secret' }))).status).toBe(401);
    expect((await post(otherRepo, giteaHeaders(otherRepo, 'issue_comment', { secret: 'other-repo-secret' }))).status).toBe(202);
    // A repository without a secret of its own still takes the global one.
    const third = JSON.parse(body) as { repository: { name: string } };
    third.repository.name = 'third';
    const thirdRepo = JSON.stringify(third, null, 2);
    expect((await post(thirdRepo, giteaHeaders(thirdRepo, 'issue_comment', { secret: SECRET }))).status).toBe(202);
    expect(seen).toHaveLength(3);
  });

  it("an organisation's secret signs for its repositories only, and a stored hook secret only for its kind of hook", async () => {
    const { post } = app({ repoSecrets: { 'example/*': ['org-secret'] }, storedSecrets: { 'example/example': ['stored-repo-secret'] } });
    expect((await post(body, giteaHeaders(body, 'issue_comment', { secret: 'org-secret' }))).status).toBe(202);
    expect((await post(body, giteaHeaders(body, 'issue_comment', { secret: 'stored-repo-secret' }))).status).toBe(202);
    // `hooks install` made a repository hook with that secret: an organisation hook cannot have it.
    const fromOrgHook = await post(body, { ...giteaHeaders(body, 'issue_comment', { secret: 'stored-repo-secret' }), 'x-gitea-hook-installation-target-type': 'organization' });
    expect(fromOrgHook.status).toBe(401);
    expect(((await fromOrgHook.json()) as { reason: string }).reason).toContain('comes from a organization hook');
    const elsewhere = JSON.parse(body) as { repository: { name: string; owner: { login: string } } };
    elsewhere.repository.owner.login = 'someone-else';
    const elsewhereBody = JSON.stringify(elsewhere, null, 2);
    expect((await post(elsewhereBody, giteaHeaders(elsewhereBody, 'issue_comment', { secret: 'org-secret' }))).status).toBe(401);
  });

  it('refuses a body that hides its repository from the secret choice (escapes, a repeated key): the signature must hold for the repository the payload names', async () => {
    const { post, seen } = app({ repoSecrets: { 'example/victim': ['victim-own-secret'], 'example/example': ['repo-only-secret'] } });
    // A holder of the global secret spells the name with an escape, so that no repository is seen
    // before parsing — but the payload is about example/victim, which has a secret of its own.
    const escaped = body.replace(/"name": "example",\n(\s+)"full_name"/, '"name": "vic\\u0074im",\n$1"full_name"');
    expect(JSON.parse(escaped).repository.name).toBe('victim');
    const res = await post(escaped, giteaHeaders(escaped, 'issue_comment', { secret: SECRET }));
    expect(res.status).toBe(401);
    expect(((await res.json()) as { reason: string }).reason).toContain('the secret of example/victim');
    // A signer of example/example appends a second "repository": the last one counts, as in JSON.parse.
    const twice = body.replace(/\n}\s*$/, ',\n  "repository": {"name": "victim", "owner": {"login": "example"}}\n}\n');
    expect(JSON.parse(twice).repository.name).toBe('victim');
    expect((await post(twice, giteaHeaders(twice, 'issue_comment', { secret: 'repo-only-secret' }))).status).toBe(401);
    expect(seen).toHaveLength(0);
  });

  it('checks the Authorization header when one is configured', async () => {
    const { post, seen } = app({ authorization: 'Bearer hook-token' });
    const h = giteaHeaders(body, 'issue_comment', { secret: SECRET });
    const missing = await post(body, h);
    expect(missing.status).toBe(401);
    expect(((await missing.json()) as { reason: string }).reason).toContain('KUGETSU_WEBHOOK_AUTHORIZATION');
    expect((await post(body, { ...h, authorization: 'Bearer wrong' })).status).toBe(401);
    expect(seen).toHaveLength(0);
    expect((await post(body, { ...h, authorization: 'Bearer hook-token' })).status).toBe(202);
  });

  it('415 for a form-encoded delivery', async () => {
    const { post, seen } = app();
    const form = `payload=${encodeURIComponent(body)}`;
    const h = { ...giteaHeaders(body, 'issue_comment', { secret: SECRET }), 'content-type': 'application/x-www-form-urlencoded' };
    const res = await post(form, h);
    expect(res.status).toBe(415);
    expect(((await res.json()) as { reason: string }).reason).toContain('application/json');
    expect(seen).toHaveLength(0);
  });

  it('413 for a body over the limit', async () => {
    const { post, seen } = app({ maxBodyBytes: 1000 });
    const res = await post(body, giteaHeaders(body, 'issue_comment', { secret: SECRET }));
    expect(res.status).toBe(413);
    expect(seen).toHaveLength(0);
  });

  it('400 for malformed JSON with a valid signature, and for a missing event type', async () => {
    const { post, seen } = app();
    const bad = '{"action": "created",';
    const r1 = await post(bad, giteaHeaders(bad, 'issue_comment', { secret: SECRET }));
    expect(r1.status).toBe(400);
    expect(((await r1.json()) as { reason: string }).reason).toContain('not valid UTF-8 JSON');
    const h = giteaHeaders(body, 'issue_comment', { secret: SECRET });
    delete h['x-gitea-event-type'];
    const r2 = await post(body, h);
    expect(r2.status).toBe(400);
    expect(((await r2.json()) as { reason: string }).reason).toContain('X-Gitea-Event-Type');
    expect(seen).toHaveLength(0);
  });

  it('answers what the prescreen ignores at once, unparsed, and asks it only once the signature holds', async () => {
    const asked: Array<{ eventType: string; bytes: number }> = [];
    const { post, seen, told } = app({
      prescreen: (eventType, raw) => {
        asked.push({ eventType, bytes: raw.byteLength });
        return eventType === 'push' ? 'event type "push" is not one kugetsu acts on' : undefined;
      },
    });
    // Not JSON at all: never parsed, so no 400.
    const push = '{"ref": "refs/heads/main", …';
    const r1 = await post(push, giteaHeaders(push, 'push', { secret: SECRET, delivery: 'd-push' }));
    expect(r1.status).toBe(200);
    expect(await r1.json()).toEqual({ status: 'ignored', delivery: 'd-push', reason: 'ignored: event type "push" is not one kugetsu acts on' });
    expect(told).toEqual([{ eventType: 'push', outcome: 'ignored' }]);
    // A wrong signature is refused before the prescreen is asked.
    const r2 = await post(push, giteaHeaders(push, 'push', { secret: 'not-the-secret' }));
    expect(r2.status).toBe(401);
    // What it lets through is parsed and handed on as before.
    const r3 = await post(body, giteaHeaders(body, 'issue_comment', { secret: SECRET }));
    expect(r3.status).toBe(202);
    expect(asked).toEqual([
      { eventType: 'push', bytes: Buffer.byteLength(push) },
      { eventType: 'issue_comment', bytes: Buffer.byteLength(body) },
    ]);
    expect(seen.map((d) => d.eventType)).toEqual(['issue_comment']);
  });

  it('503 while draining; /healthz reports status', async () => {
    const { post, a } = app({ draining: true });
    expect((await post(body, giteaHeaders(body, 'issue_comment', { secret: SECRET }))).status).toBe(503);
    const health = await a.request('/healthz');
    expect(health.status).toBe(503);
    expect(await health.json()).toEqual({ status: 'draining', running: 0 });
    const ok = await app().a.request('/healthz');
    expect(await ok.json()).toEqual({ status: 'ok', running: 0 });
  });

  it('404 with a hint for other paths', async () => {
    const res = await app().a.request('/webhook', { method: 'POST', body: '{}' });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { reason: string }).reason).toContain('/webhooks/gitea');
  });
});
