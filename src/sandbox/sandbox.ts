import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { TemplateRepo, TemplateUser } from './delivery-templates.js';
import { startFakeGiteaServer, type FakeGiteaServer } from './fake-gitea-server.js';
import { startFakeModel, type FakeModel, type FakeScript } from './fake-model.js';
import { createLocalOrigin } from './local-origin.js';
import { createOpencodeHome, type OpencodeHome } from './opencode-home.js';

/** Everything the main job needs, on this machine only: fake Gitea, a local origin, a scripted model. */
export interface Sandbox {
  dir: string;
  gitea: FakeGiteaServer;
  model: FakeModel;
  /** Absolute path of the bare origin repository (the repo's `clone_url`). */
  origin: string;
  /** The repository as webhook payloads describe it. */
  repo: TemplateRepo;
  /** The person who delegates (write permission on the repository). */
  alice: TemplateUser;
  /** The seeded issue carrying the trigger label. */
  issue: { number: number; title: string; body: string; labels: Array<{ id: number; name: string }> };
  /** Isolated, offline environment for the real opencode binary. */
  opencode: OpencodeHome;
  close(): Promise<void>;
}

/**
 * The demo's model: on a first turn it writes `GREETING.md`; when the request mentions
 * "goodbye" it edits that file. Each turn ends with a one-line summary.
 */
export const demoScript: FakeScript = (ctx) => {
  const followUp = /goodbye/i.test(ctx.userText);
  if (ctx.step === 0) {
    return followUp
      ? { tool: 'edit', args: { filePath: 'GREETING.md', oldString: 'Hello from kugetsu!', newString: 'Hello from kugetsu!\n\nGoodbye, and thanks for all the issues.' } }
      : { tool: 'write', args: { filePath: 'GREETING.md', content: '# Greeting\n\nHello from kugetsu!\n' } };
  }
  return { text: followUp ? 'Added a goodbye line to GREETING.md.' : 'Created GREETING.md with a greeting.' };
};

/**
 * Starts the sandbox in `dir`: a bare origin with one commit, a fake Gitea on 127.0.0.1 that
 * knows the repository `demo/hello` (clone URL = the local origin), a `ready` label, an issue #1
 * carrying it and a user `alice` with write permission, and the scripted model on 127.0.0.1.
 * `giteaToken` is the bot's API token (default the fake's own, `kugetsu-test-token`).
 */
export async function createSandbox(options: { dir: string; script?: FakeScript; giteaToken?: string }): Promise<Sandbox> {
  await mkdir(options.dir, { recursive: true });
  const origin = createLocalOrigin(options.dir);
  const gitea = await startFakeGiteaServer(options.giteaToken !== undefined ? { token: options.giteaToken } : {});
  const model = await startFakeModel({ script: options.script ?? demoScript });
  const fake = gitea.fake;
  fake.addRepo({ owner: 'demo', name: 'hello', cloneUrl: origin });
  fake.setPermission('demo/hello', 'alice', 'write');
  const ready = fake.addLabel('demo/hello', 'ready', { color: '0e8a16', description: 'Hand this issue to kugetsu' });
  const issue = fake.addIssue('demo/hello', {
    title: 'Add a greeting',
    body: 'Please add a GREETING.md that says hello.',
    author: 'alice',
    labels: ['ready'],
  });
  const aliceUser = fake.user('alice');
  const opencode = await createOpencodeHome({ dir: path.join(options.dir, 'opencode-home'), modelUrl: model.url, path: process.env.PATH ?? '/usr/bin:/bin' });
  return {
    dir: options.dir,
    gitea,
    model,
    origin,
    repo: { owner: 'demo', name: 'hello', cloneUrl: origin, htmlUrl: `${gitea.url}/demo/hello`, defaultBranch: 'main' },
    alice: { id: aliceUser.id, login: aliceUser.login },
    issue: { number: issue.number, title: issue.title, body: issue.body, labels: [{ id: ready.id, name: ready.name }] },
    opencode,
    async close() {
      await Promise.allSettled([gitea.close(), model.close()]);
    },
  };
}
