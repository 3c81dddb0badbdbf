import { createFakeGitea, type FakeGitea } from '../../../src/sandbox/fake-gitea.js';
import { startFakeGiteaServer } from '../../../src/sandbox/fake-gitea-server.js';

/** The repository that stands in for an organisation's hooks (see {@link startTestGitea}). */
export const ORG_HOOKS_REPO = 'org-hooks';

/** A fake Gitea over real HTTP, with what the CLI needs beyond the sandbox's fake. */
export interface TestGitea {
  url: string;
  fake: FakeGitea;
  close(): Promise<void>;
}

/**
 * Serves the sandbox's fake Gitea on 127.0.0.1 and adds what it lacks: organisation hooks —
 * `/api/v1/orgs/{org}/hooks…` is served by the hook routes of a repository `{org}/org-hooks`, so
 * they follow the same contract (`active` default false, PATCH replaces events, never applies the
 * secret). Seeds repository `acme/app`.
 */
export async function startTestGitea(options: { token?: string } = {}): Promise<TestGitea> {
  const fake = createFakeGitea(options.token ? { token: options.token } : {});
  fake.addRepo({ owner: 'acme', name: 'app' });
  fake.addRepo({ owner: 'acme', name: ORG_HOOKS_REPO });
  return startFakeGiteaServer({
    fake,
    rewrite: async (request) => {
      const url = new URL(request.url);
      const org = /^\/api\/v1\/orgs\/([^/]+)\/hooks(\/.*)?$/.exec(url.pathname);
      if (!org) return request;
      if (!fake.findRepo(org[1]!, ORG_HOOKS_REPO)) return Response.json({ message: 'GetOrgByName', url: '' }, { status: 404 });
      url.pathname = `/api/v1/repos/${org[1]}/${ORG_HOOKS_REPO}/hooks${org[2] ?? ''}`;
      const hasBody = request.method !== 'GET' && request.method !== 'DELETE';
      return new Request(url, { method: request.method, headers: request.headers, ...(hasBody ? { body: await request.text() } : {}) });
    },
  });
}
