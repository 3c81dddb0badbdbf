import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../../src/config/load-config.js';
import type { Config } from '../../../src/config/config.js';
import { openStore } from '../../../src/open-store.js';
import { issueLabelPayload, serializePayload, type TemplateRepo } from '../../../src/sandbox/delivery-templates.js';
import type { FakeGitea } from '../../../src/sandbox/fake-gitea.js';
import type { FakeGiteaServer } from '../../../src/sandbox/fake-gitea-server.js';
import { createService, type Service, type ServiceOverrides } from '../../../src/service.js';
import { FAKE_AGENT } from '../../agents/support.js';
import { tempDir, onCleanup } from '../../cli/support/cli-kit.js';
import { createBareOrigin } from '../../support/git-fixtures.js';
import { forgejoHeaders, giteaHeaders } from '../../support/signed-request.js';
import { memoryLogger } from '../../support/test-logger.js';
import { startForge, writeInstancesFile } from './forges.js';

/** One side of a two-instance world: its fake forge, the API calls it received and its host. */
export interface Side {
  server: FakeGiteaServer;
  fake: FakeGitea;
  /** Every API call the fake received: method, path (with query) and the token it carried. */
  calls: Array<{ method: string; path: string; token: string }>;
  /** `127.0.0.1:<port>`: what issue keys of this instance are qualified with. */
  host: string;
  /** The instance's name in the instances file (`company`, `codeberg`). */
  name: string;
  /** The bare git repository `acme/app` clones from. */
  origin: string;
}

/** Two instances (a Gitea `company` first, a Forgejo `codeberg` second), each with `acme/app`, and a service over both. */
export interface TwoInstances {
  a: Side;
  b: Side;
  dir: string;
  config: Config;
  service: Service;
  logs: ReturnType<typeof memoryLogger>;
  /** Delivers the `issue_label` event of issue `n` of `side`'s acme/app to `side`'s path, signed with its secret; the answer's JSON. */
  label(side: Side, n: number): Promise<{ status: number; json: Record<string, string> }>;
}

async function side(name: string, flavour: 'gitea' | 'forgejo', dir: string): Promise<Side> {
  const calls: Side['calls'] = [];
  const server = await startForge(`token-of-${name}`, `${name}-bot`, flavour, {
    rewrite: async (request) => {
      const url = new URL(request.url);
      calls.push({ method: request.method, path: `${url.pathname}${url.search}`, token: (request.headers.get('authorization') ?? '').replace(/^(token|Bearer) /i, '') });
      return request;
    },
  });
  mkdirSync(path.join(dir, name));
  const origin = createBareOrigin(path.join(dir, name));
  // Private: only collaborators can read it (on a public repository Gitea answers `read` for anyone).
  server.fake.addRepo({ owner: 'acme', name: 'app', cloneUrl: origin, private: true });
  server.fake.addLabel('acme/app', 'ready');
  return { server, fake: server.fake, calls, host: new URL(server.url).host, name, origin };
}

/** The dashboard's OAuth2 application registered on `side` by {@link twoInstances} with `options.publicUrl`. */
export function oauthClientOf(s: Pick<Side, 'name'>): { clientId: string; clientSecret: string } {
  return { clientId: `client-of-${s.name}`, clientSecret: `oauth-secret-of-${s.name}` };
}

/**
 * Starts both forges and a service over them (stopped after the test). `env` adds to the
 * service's environment (e.g. `KUGETSU_WEBHOOKS_DIR`); `overrides` to its wiring;
 * `options.beforeStart` seeds the forges before the service exists (what happened while kugetsu
 * was down) and may return more environment (e.g. `KUGETSU_REPOS` naming their hosts).
 * With `options.publicUrl` (`KUGETSU_PUBLIC_URL`) each forge has the dashboard's OAuth2
 * application ({@link oauthClientOf}, redirect URI `<publicUrl>/auth/callback`): company's as
 * `KUGETSU_OAUTH_CLIENT_ID`/`_SECRET`, codeberg's named in the instances file (none for codeberg
 * with `options.signInOn: 'first'`).
 * The agent is the fake agent writing `out.txt`.
 */
export async function twoInstances(
  env: Record<string, string> = {},
  overrides: ServiceOverrides = {},
  options: {
    beforeStart?: (sides: { a: Side; b: Side; dir: string }) => Record<string, string> | undefined;
    publicUrl?: string;
    /** Which forges get the dashboard's OAuth2 application with `publicUrl` (default both). */
    signInOn?: 'both' | 'first';
  } = {},
): Promise<TwoInstances> {
  const dir = tempDir('kugetsu-two-');
  const a = await side('company', 'gitea', dir);
  const b = await side('codeberg', 'forgejo', dir);
  const more = options.beforeStart?.({ a, b, dir }) ?? {};
  const publicUrl = options.publicUrl;
  const signInOnB = publicUrl !== undefined && options.signInOn !== 'first';
  if (publicUrl) for (const s of signInOnB ? [a, b] : [a]) s.fake.oauth.addApp({ ...oauthClientOf(s), redirectUris: [`${publicUrl}/auth/callback`] });
  const file = writeInstancesFile(dir, [
    { name: a.name, url: a.server.url, kind: 'gitea', tokenEnv: 'A_TOKEN', secretEnv: 'A_SECRET' },
    {
      name: b.name,
      url: b.server.url,
      kind: 'forgejo',
      tokenEnv: 'B_TOKEN',
      secretEnv: 'B_SECRET',
      ...(signInOnB ? { oauthClientIdEnv: 'B_OAUTH_CLIENT_ID', oauthClientSecretEnv: 'B_OAUTH_CLIENT_SECRET' } : {}),
    },
  ]);
  const oauthEnv: Record<string, string> = publicUrl
    ? {
        KUGETSU_PUBLIC_URL: publicUrl,
        KUGETSU_OAUTH_CLIENT_ID: oauthClientOf(a).clientId,
        KUGETSU_OAUTH_CLIENT_SECRET: oauthClientOf(a).clientSecret,
        B_OAUTH_CLIENT_ID: oauthClientOf(b).clientId,
        B_OAUTH_CLIENT_SECRET: oauthClientOf(b).clientSecret,
      }
    : {};
  const config = loadConfig(
    {
      KUGETSU_INSTANCES_FILE: file,
      A_TOKEN: `token-of-${a.name}`,
      A_SECRET: `secret-of-${a.name}`,
      B_TOKEN: `token-of-${b.name}`,
      B_SECRET: `secret-of-${b.name}`,
      KUGETSU_STATE_DIR: path.join(dir, 'state'),
      KUGETSU_AGENT: 'command',
      KUGETSU_AGENT_COMMAND: JSON.stringify(['node', FAKE_AGENT, 'write:out.txt:{issueKey}']),
      KUGETSU_RECONCILE_INTERVAL_S: '0',
      PATH: process.env.PATH,
      ...oauthEnv,
      ...env,
      ...more,
    },
    dir,
  );
  const logs = memoryLogger();
  const service = createService(config, {
    store: await openStore(config),
    logger: logs.logger,
    outboxBackoff: { baseMs: 20, maxMs: 200 },
    deferredRetry: { pollMs: 50, baseMs: 100, maxMs: 400 },
    ...overrides,
  });
  onCleanup(() => service.stop(5_000));
  await service.start();
  const label = async (s: Side, n: number) => {
    const repo: TemplateRepo = { owner: 'acme', name: 'app', cloneUrl: s.origin, htmlUrl: `${s.server.url}/acme/app`, defaultBranch: 'main' };
    const issue = s.fake.issue('acme/app', n);
    const labels = s.fake
      .repo('acme/app')
      .labels.filter((l) => issue.labelIds.includes(l.id))
      .map((l) => ({ id: l.id, name: l.name }));
    const body = serializePayload(issueLabelPayload({ repo, issue: { number: n, title: issue.title, body: issue.body, labels }, sender: s.fake.user('alice') }));
    const headers = s === b ? forgejoHeaders(body, 'issue_label', { secret: `secret-of-${s.name}` }) : giteaHeaders(body, 'issue_label', { secret: `secret-of-${s.name}` });
    const res = await service.app.request(`/webhooks/${s.name}`, { method: 'POST', body, headers });
    return { status: res.status, json: (await res.json()) as Record<string, string> };
  };
  return { a, b, dir, config, service, logs, label };
}

/** Adds issue "work" to `side`'s acme/app, by alice (given `role` there), labelled `ready`; its number. */
export function labelledIssue(s: Side, role: 'read' | 'write' = 'write'): number {
  s.fake.setPermission('acme/app', 'alice', role);
  const issue = s.fake.addIssue('acme/app', { title: 'work', body: 'please', author: 'alice' });
  s.fake.labelIssue('acme/app', issue.number, 'ready', 'alice');
  return issue.number;
}

/** Polls `check` every 25 ms until it holds (at most `timeoutMs`). */
export async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
