import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { createFakeGitea, DROP, type FakeGitea } from '../../../src/sandbox/fake-gitea.js';

/** The repository that stands in for an organisation's hooks (see {@link startTestGitea}). */
export const ORG_HOOKS_REPO = 'org-hooks';

/** A fake Gitea over real HTTP, with what the CLI needs beyond the sandbox's fake. */
export interface TestGitea {
  url: string;
  fake: FakeGitea;
  close(): Promise<void>;
}

/**
 * Serves the sandbox's fake Gitea on 127.0.0.1 and adds two things it lacks: `GET /api/v1/version`
 * (answers `{version: "1.25.4"}`), and organisation hooks — `/api/v1/orgs/{org}/hooks…` is served
 * by the hook routes of a repository `{org}/org-hooks`, so they follow the same contract (`active`
 * default false, PATCH replaces events, never applies the secret). Seeds repository `acme/app`.
 */
export async function startTestGitea(options: { token?: string } = {}): Promise<TestGitea> {
  const fake = createFakeGitea(options.token ? { token: options.token } : {});
  fake.addRepo({ owner: 'acme', name: 'app' });
  fake.addRepo({ owner: 'acme', name: ORG_HOOKS_REPO });
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve(
      {
        hostname: '127.0.0.1',
        port: 0,
        overrideGlobalObjects: false,
        fetch: async (request, env) => {
          const url = new URL(request.url);
          if (url.pathname === '/api/v1/version') return Response.json({ version: '1.25.4' });
          const org = /^\/api\/v1\/orgs\/([^/]+)\/hooks(\/.*)?$/.exec(url.pathname);
          if (org) {
            if (!fake.findRepo(org[1]!, ORG_HOOKS_REPO)) return Response.json({ message: 'GetOrgByName', url: '' }, { status: 404 });
            url.pathname = `/api/v1/repos/${org[1]}/${ORG_HOOKS_REPO}/hooks${org[2] ?? ''}`;
            request = new Request(url, { method: request.method, headers: request.headers, ...(request.method === 'GET' || request.method === 'DELETE' ? {} : { body: await request.text() }) });
          }
          const response = await fake.handle(request);
          if (response !== DROP) return response;
          env.incoming.socket.destroy();
          return new Response(null, { status: 500 });
        },
      },
      () => resolve(s),
    );
    s.once('error', reject);
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.baseUrl = url;
  return {
    url,
    fake,
    close: () =>
      new Promise<void>((resolve) => {
        if ('closeAllConnections' in server) server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
