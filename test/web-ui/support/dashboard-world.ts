import path from 'node:path';
import { loadConfig } from '../../../src/config/load-config.js';
import { startHttpServer, type HttpServer } from '../../../src/ingress/start-http-server.js';
import { issueCommentPayload, serializePayload } from '../../../src/sandbox/delivery-templates.js';
import type { FakeGitea } from '../../../src/sandbox/fake-gitea.js';
import { startFakeGiteaServer, type FakeGiteaServer } from '../../../src/sandbox/fake-gitea-server.js';
import { openStore } from '../../../src/open-store.js';
import { createService, type Service } from '../../../src/service.js';
import { FAKE_AGENT } from '../../agents/support.js';
import { createBareOrigin, makeTempDir, removeDir } from '../../support/git-fixtures.js';
import { freePort } from '../../support/free-port.js';
import { giteaHeaders } from '../../support/signed-request.js';
import { memoryLogger } from '../../support/test-logger.js';

/** The webhook secret of the dashboard world. */
const SECRET = 'dashboard-world-secret';

/** A kugetsu on real HTTP with sign-in with Gitea, against the fake Gitea on real HTTP. */
export interface DashboardWorld {
  tmp: string;
  /** `http://127.0.0.1:<port>`: kugetsu (webhook, API and dashboard on one port). */
  base: string;
  gitea: FakeGiteaServer;
  fake: FakeGitea;
  service: Service;
  logs: ReturnType<typeof memoryLogger>;
  /**
   * Adds a `/kugetsu <text>` comment by `author` on a new issue of `repo` (or on issue `onIssue`)
   * to the fake and delivers it to kugetsu, signed, as Gitea would; returns the issue number and
   * the delivery's answer.
   */
  ask(repo: string, text: string, author?: string, onIssue?: number): Promise<{ issue: number; status: number; body: string }>;
  close(): Promise<void>;
}

/**
 * Builds the world of the dashboard's browser tests:
 * - the fake Gitea over HTTP on 127.0.0.1 with two private repositories cloning from one bare
 *   origin: `acme/app` (alice: write, bob: read) and `acme/vault` (alice: write; bob: none), and
 *   kugetsu registered as an OAuth2 application with the redirect URL `<base>/auth/callback`;
 * - kugetsu (`loadConfig` → `createService` → `start()` → `startHttpServer`) on a free port of
 *   127.0.0.1, SQLite in `<tmp>/state`, the command agent running test/support/fake-agent.mjs with
 *   `agentArgs`, no agent sandbox (the tests look at the agents' host pids), shortened event timing.
 */
export async function createDashboardWorld(agentArgs: string[]): Promise<DashboardWorld> {
  const tmp = makeTempDir('kugetsu-dashboard-');
  const origin = createBareOrigin(tmp);
  const gitea = await startFakeGiteaServer();
  const fake = gitea.fake;
  for (const name of ['app', 'vault']) fake.addRepo({ owner: 'acme', name, cloneUrl: origin, private: true });
  fake.setPermission('acme/app', 'alice', 'write');
  fake.setPermission('acme/app', 'bob', 'read');
  fake.setPermission('acme/vault', 'alice', 'write');
  fake.setPermission('acme/vault', 'bob', 'none');
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const client = fake.oauth.addApp({ redirectUris: [`${base}/auth/callback`] });
  const logs = memoryLogger();
  const config = loadConfig(
    {
      HOME: tmp,
      PATH: process.env.PATH,
      LANG: 'C',
      GITEA_URL: gitea.url,
      GITEA_TOKEN: fake.token,
      KUGETSU_WEBHOOK_SECRET: SECRET,
      KUGETSU_STATE_DIR: path.join(tmp, 'state'),
      KUGETSU_AGENT: 'command',
      KUGETSU_AGENT_COMMAND: JSON.stringify(['node', FAKE_AGENT, ...agentArgs]),
      KUGETSU_AGENT_SANDBOX: 'off',
      KUGETSU_RECONCILE_INTERVAL_S: '0',
      KUGETSU_RATE_LIMIT_SENDER: '0',
      KUGETSU_RATE_LIMIT_REPO: '0',
      KUGETSU_MAX_AGENTS: '2',
      KUGETSU_OAUTH_CLIENT_ID: client.clientId,
      KUGETSU_OAUTH_CLIENT_SECRET: client.clientSecret,
      KUGETSU_PUBLIC_URL: base,
    },
    tmp,
  );
  const service = createService(config, {
    store: await openStore(config),
    logger: logs.logger,
    outboxBackoff: { baseMs: 20, maxMs: 200 },
    web: { events: { keepAliveMs: 1_000, pollMs: 200 } },
  });
  await service.start();
  let http: HttpServer;
  try {
    http = await startHttpServer(service.app, { port, host: '127.0.0.1', headersMs: 10_000, requestMs: 30_000 });
  } catch (err) {
    await service.stop(1_000);
    throw err;
  }
  return {
    tmp,
    base,
    gitea,
    fake,
    service,
    logs,
    async ask(repo, text, author = 'alice', onIssue) {
      const [owner, name] = repo.split('/') as [string, string];
      const issue = onIssue !== undefined ? fake.issue(repo, onIssue) : fake.addIssue(repo, { title: `Task: ${text}`, body: `Please ${text}.`, author });
      const comment = fake.addComment(repo, issue.number, { body: `/kugetsu ${text}`, author });
      const user = fake.user(author);
      const body = serializePayload(
        issueCommentPayload({
          repo: { owner, name, cloneUrl: origin, htmlUrl: `${gitea.url}/${repo}`, defaultBranch: 'main' },
          issue: { number: issue.number, title: issue.title, body: issue.body },
          comment: { id: comment.id, body: comment.body },
          sender: { id: user.id, login: user.login },
        }),
      );
      const res = await fetch(`${base}/webhooks/gitea`, { method: 'POST', body, headers: giteaHeaders(body, 'issue_comment', { secret: SECRET }) });
      return { issue: issue.number, status: res.status, body: await res.text() };
    },
    async close() {
      await http.close();
      await service.stop(5_000);
      await gitea.close();
      removeDir(tmp);
    },
  };
}
