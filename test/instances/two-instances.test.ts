import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { openStore } from '../../src/open-store.js';
import { issueLabelPayload, serializePayload, type TemplateRepo } from '../../src/sandbox/delivery-templates.js';
import type { FakeGitea } from '../../src/sandbox/fake-gitea.js';
import { startFakeGiteaServer, type FakeGiteaServer } from '../../src/sandbox/fake-gitea-server.js';
import { createService, type Service } from '../../src/service.js';
import { FAKE_AGENT } from '../agents/support.js';
import { createBareOrigin, makeTempDir, removeDir } from '../support/git-fixtures.js';
import { forgejoHeaders, giteaHeaders } from '../support/signed-request.js';
import { memoryLogger } from '../support/test-logger.js';

/** A fake server and the Authorization headers it received. */
interface Forge {
  server: FakeGiteaServer;
  auth: string[];
}

async function forge(options: { token: string; botLogin: string; flavour: 'gitea' | 'forgejo' }): Promise<Forge> {
  const auth: string[] = [];
  const server = await startFakeGiteaServer({
    ...options,
    rewrite: async (request) => {
      auth.push(request.headers.get('authorization') ?? '');
      return request;
    },
  });
  return { server, auth };
}

let tmp = '';
// Each instance's repository has its own origin (two forges, two repositories of the same name).
const origins: Record<string, string> = {};
let service: Service | undefined;
const forges: Forge[] = [];
beforeEach(() => {
  tmp = makeTempDir('kugetsu-instances-');
  for (const side of ['a', 'b']) {
    mkdirSync(path.join(tmp, side));
    origins[side] = createBareOrigin(path.join(tmp, side));
  }
});
afterEach(async () => {
  await service?.stop(5_000);
  service = undefined;
  await Promise.all(forges.splice(0).map((f) => f.server.close()));
  removeDir(tmp);
});

function seed(fake: FakeGitea, origin: string): { number: number; title: string; body: string } {
  fake.addRepo({ owner: 'acme', name: 'app', cloneUrl: origin });
  fake.addLabel('acme/app', 'ready');
  fake.setPermission('acme/app', 'alice', 'write');
  const issue = fake.addIssue('acme/app', { title: 'Same number on two forges', body: 'please', author: 'alice' });
  fake.labelIssue('acme/app', issue.number, 'ready', 'alice');
  return issue;
}

function labelBody(fake: FakeGitea, issue: { number: number; title: string; body: string }, origin: string): string {
  const repo: TemplateRepo = { owner: 'acme', name: 'app', cloneUrl: origin, htmlUrl: `${fake.baseUrl}/acme/app`, defaultBranch: 'main' };
  const labels = fake
    .repo('acme/app')
    .labels.filter((l) => l.name === 'ready')
    .map((l) => ({ id: l.id, name: l.name }));
  return serializePayload(issueLabelPayload({ repo, issue: { ...issue, labels }, sender: fake.user('alice') }));
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('two instances, a Gitea and a Forgejo', { timeout: 180_000 }, () => {
  it("the same acme/app#1 labelled on both: two jobs, two worktrees, each status comment on its own instance, each call with its own token; one instance's secret is refused on the other's path", async () => {
    const a = await forge({ token: 'token-of-a', botLogin: 'gitea-bot', flavour: 'gitea' });
    const b = await forge({ token: 'token-of-b', botLogin: 'forgejo-bot', flavour: 'forgejo' });
    forges.push(a, b);
    const issueA = seed(a.server.fake, origins.a!);
    const issueB = seed(b.server.fake, origins.b!);
    const file = path.join(tmp, 'instances.yaml');
    writeFileSync(
      file,
      [
        'instances:',
        `  - name: company`,
        `    url: ${a.server.url}`,
        `    kind: gitea`,
        `    token_env: A_TOKEN`,
        `    secret_env: A_SECRET`,
        `  - name: codeberg`,
        `    url: ${b.server.url}`,
        `    kind: forgejo`,
        `    token_env: B_TOKEN`,
        `    secret_env: B_SECRET`,
        '',
      ].join('\n'),
    );
    const config = loadConfig(
      {
        KUGETSU_INSTANCES_FILE: file,
        A_TOKEN: 'token-of-a',
        A_SECRET: 'secret-of-a',
        B_TOKEN: 'token-of-b',
        B_SECRET: 'secret-of-b',
        KUGETSU_STATE_DIR: path.join(tmp, 'state'),
        KUGETSU_AGENT: 'command',
        KUGETSU_AGENT_COMMAND: JSON.stringify(['node', FAKE_AGENT, 'write:out.txt:{issueKey}']),
        KUGETSU_RECONCILE_INTERVAL_S: '0',
        PATH: process.env.PATH,
      },
      tmp,
    );
    expect(config.instances?.map((i) => [i.name, i.kind])).toEqual([
      ['company', 'gitea'],
      ['codeberg', 'forgejo'],
    ]);
    const logs = memoryLogger();
    service = createService(config, {
      store: await openStore(config),
      logger: logs.logger,
      outboxBackoff: { baseMs: 20, maxMs: 200 },
      deferredRetry: { pollMs: 50, baseMs: 100, maxMs: 400 },
    });
    await service.start();

    const hostA = new URL(a.server.url).host;
    const hostB = new URL(b.server.url).host;
    const bodyA = labelBody(a.server.fake, issueA, origins.a!);
    const bodyB = labelBody(b.server.fake, issueB, origins.b!);

    // Instance B's delivery signed with A's secret, on B's path: refused.
    const forged = await service.app.request('/webhooks/codeberg', { method: 'POST', body: bodyB, headers: forgejoHeaders(bodyB, 'issue_label', { secret: 'secret-of-a' }) });
    expect(forged.status).toBe(401);
    // And A's signed with B's secret on A's path (the first instance also answers at /webhooks/gitea).
    const forgedA = await service.app.request('/webhooks/gitea', { method: 'POST', body: bodyA, headers: giteaHeaders(bodyA, 'issue_label', { secret: 'secret-of-b' }) });
    expect(forgedA.status).toBe(401);

    const resA = await service.app.request('/webhooks/company', { method: 'POST', body: bodyA, headers: giteaHeaders(bodyA, 'issue_label', { secret: 'secret-of-a' }) });
    const resB = await service.app.request('/webhooks/codeberg', { method: 'POST', body: bodyB, headers: forgejoHeaders(bodyB, 'issue_label', { secret: 'secret-of-b' }) });
    const jsonA = (await resA.json()) as Record<string, string>;
    const jsonB = (await resB.json()) as Record<string, string>;
    expect([resA.status, jsonA.issue]).toEqual([202, `${hostA}/acme/app#1`]);
    expect(jsonB.reason).toBeUndefined();
    expect([resB.status, jsonB.issue]).toEqual([202, `${hostB}/acme/app#1`]);
    expect(jsonA.job).not.toBe(jsonB.job);

    const store = service.store;
    await until('both jobs to finish', async () => (await store.get(jsonA.job!))?.state === 'succeeded' && (await store.get(jsonB.job!))?.state === 'succeeded').catch(
      async (err: unknown) => {
        // What the service said, to see why.
        const jobs = [await store.get(jsonA.job!), await store.get(jsonB.job!)].map((j) => ({ state: j?.state, result: j?.result?.error, waiting: j?.waiting }));
        throw new Error(
          `${(err as Error).message}: ${JSON.stringify(jobs)}\n${logs.lines
            .filter((l) => l.level >= 40)
            .map((l) => JSON.stringify(l))
            .slice(0, 10)
            .join('\n')}`,
        );
      },
    );
    await service.idle();

    // Two worktrees: the first instance's where a one-instance kugetsu keeps it, the other's under @<host>.
    const state = path.join(tmp, 'state');
    const worktreeA = path.join(state, 'worktrees', 'acme', 'app', 'issue-1');
    const worktreeB = path.join(state, 'worktrees', `@${hostB}`, 'acme', 'app', 'issue-1');
    expect(existsSync(path.join(worktreeA, 'out.txt'))).toBe(true);
    expect(existsSync(path.join(worktreeB, 'out.txt'))).toBe(true);

    // Each status comment on its own instance, by that instance's bot.
    for (const [f, bot, job] of [
      [a, 'gitea-bot', jsonA.job],
      [b, 'forgejo-bot', jsonB.job],
    ] as const) {
      const mine = f.server.fake.commentsOn('acme/app', 1).filter((c) => c.body.includes('kugetsu'));
      expect(mine.length).toBeGreaterThan(0);
      expect(new Set(mine.map((c) => f.server.fake.userById(c.authorId)?.login))).toEqual(new Set([bot]));
      expect(mine.map((c) => c.id)).toContain((await store.get(job!))?.statusCommentId);
    }

    // Every API call each fake received carried that fake's own token, never the other's.
    expect(a.auth.length).toBeGreaterThan(0);
    expect(b.auth.length).toBeGreaterThan(0);
    expect(new Set(a.auth.map((h) => h.replace(/^(token|Bearer) /i, '')))).toEqual(new Set(['token-of-a']));
    expect(new Set(b.auth.map((h) => h.replace(/^(token|Bearer) /i, '')))).toEqual(new Set(['token-of-b']));
  });
});
