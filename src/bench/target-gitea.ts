import type { TemplateRepo, TemplateUser } from '../sandbox/delivery-templates.js';
import { startFakeGiteaServer } from '../sandbox/fake-gitea-server.js';
import { commandComment, type CommandSet } from './deliveries.js';
import { serveChild } from './serve-child.js';

/** What the fake Gitea child announces. */
export interface GiteaInfo {
  url: string;
  token: string;
  /** The seeded repository `bench/app` as payloads describe it (clone URL = the given origin). */
  repo: TemplateRepo;
  /** A user with write permission who sends the deliveries. */
  alice: TemplateUser;
}

/**
 * The fake Gitea HTTP server (src/sandbox) in its own process, so that its work does not count
 * against the kugetsu process under test: repository `bench/app` whose clone URL is `origin`, user
 * `alice` (write), and issues 1..`issues`. The `/kugetsu` comments of `commands` exist as soon as
 * they are read (kugetsu reads every command back before admitting it; seeding millions up front
 * would cost the child more than the run). Its call log is emptied every second (it would grow
 * without bound under load).
 */
await serveChild<{ origin: string; issues: number; commands?: CommandSet[] }, GiteaInfo>(async ({ origin, issues, commands = [] }) => {
  const server = await startFakeGiteaServer({
    rewrite: async (request) => {
      const m = /^\/api\/v1\/repos\/bench\/app\/issues\/comments\/(\d+)$/.exec(new URL(request.url).pathname);
      const id = m ? Number(m[1]) : undefined;
      if (request.method === 'GET' && id !== undefined && !server.fake.comments.has(id)) {
        const found = commands.map((set) => commandComment(set, id)).find((c) => c !== undefined);
        if (found) server.fake.addComment('bench/app', found.issue, { id, body: found.body, author: 'alice' });
      }
      return request;
    },
  });
  const fake = server.fake;
  fake.addRepo({ owner: 'bench', name: 'app', cloneUrl: origin });
  fake.setPermission('bench/app', 'alice', 'write');
  for (let i = 1; i <= issues; i++) fake.addIssue('bench/app', { title: `Flaky integration test #${i}`, body: 'The retry loop spins.', author: 'alice' });
  const timer = setInterval(() => fake.takeCalls(), 1000);
  const alice = fake.user('alice');
  return {
    info: {
      url: server.url,
      token: fake.token,
      repo: { owner: 'bench', name: 'app', cloneUrl: origin, htmlUrl: `${server.url}/bench/app`, defaultBranch: 'main' },
      alice: { id: alice.id, login: alice.login },
    },
    handlers: {
      stop: async () => {
        clearInterval(timer);
        await server.close();
      },
    },
  };
});
