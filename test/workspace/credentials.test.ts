import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { git } from '../support/git-fixtures.js';
import { startGitHttpServer, type GitHttpServer } from './git-http-server.js';
import { repoRef, setupWorkspace, type WorkspaceFixture } from './workspace-fixture.js';

const TOKEN = 'f00dfacecafe1234567890abcdef00112233445566';
const BASIC = Buffer.from(`kugetsu:${TOKEN}`).toString('base64');

/** Every file under `dir` (recursively) whose content contains `needle`. */
function filesContaining(dir: string, needle: string): string[] {
  const hits: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) hits.push(...filesContaining(path, needle));
    else if (readFileSync(path).includes(needle)) hits.push(path);
  }
  return hits;
}

/** A TCP port on 127.0.0.1 that nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('workspace credentials', () => {
  let fx: WorkspaceFixture;
  let server: GitHttpServer | undefined;
  beforeEach(() => {
    fx = setupWorkspace();
  });
  afterEach(async () => {
    await server?.close();
    server = undefined;
    fx.cleanup();
  });

  it('reports a clone URL that does not exist as a clone failure with a clear message', async () => {
    const missing = join(fx.root, 'nope.git');

    const error = await fx.workspace.prepare(repoRef(missing), 1, 'kugetsu/issue-1').catch((e: unknown) => e);

    expect(error).toMatchObject({ name: 'WorkspaceError', phase: 'clone' });
    expect((error as Error).message).toContain(`could not clone ${missing}: repository not found or token lacks read access; check the clone URL and GITEA_TOKEN`);
    expect(readdirSync(join(fx.stateDir, 'repos', 'acme'))).toEqual([]);
  });

  it('sends the token as a Basic-auth header over HTTP and never writes it to disk', async () => {
    server = await startGitHttpServer(fx.root, TOKEN);
    const ws = fx.makeWorkspace({ token: TOKEN });
    const repo = repoRef(`${server.baseUrl}/origin.git`);

    const wt = await ws.prepare(repo, 1, 'kugetsu/issue-1');
    writeFileSync(join(wt.path, 'done.txt'), 'done\n');
    const result = await ws.publish(repo, wt, 'done');
    await ws.prepare(repo, 1, 'kugetsu/issue-1');

    expect(result.pushed).toBe(true);
    expect(git(fx.origin, ['rev-parse', 'refs/heads/kugetsu/issue-1'])).toBe(result.headSha);
    expect(server.authorizations).toContain(`Basic ${BASIC}`);
    expect(filesContaining(fx.stateDir, TOKEN)).toEqual([]);
    expect(filesContaining(fx.stateDir, BASIC)).toEqual([]);
    const clone = join(fx.stateDir, 'repos', 'acme', 'widgets.git');
    expect(readFileSync(join(clone, 'config'), 'utf8')).toContain(`url = ${server.baseUrl}/origin.git`);
    for (const entry of fx.logs) expect(JSON.stringify(entry)).not.toContain(TOKEN);
    for (const entry of fx.logs) expect(JSON.stringify(entry)).not.toContain(BASIC);
  });

  it("keeps the token out of the git processes' argument lists (it travels in their environment)", async () => {
    server = await startGitHttpServer(fx.root, TOKEN, 400);
    const ws = fx.makeWorkspace({ token: TOKEN });
    const seen = new Map<number, { cmdline: string; environ: string }>();
    const scan = setInterval(() => {
      for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
        try {
          const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
          if (!cmdline.includes(server!.baseUrl)) continue;
          const environ = readFileSync(`/proc/${pid}/environ`, 'utf8');
          // A process that ended between the two reads (a zombie's environ reads empty) told nothing.
          if (environ === '') continue;
          seen.set(Number(pid), { cmdline, environ });
        } catch {
          // the process ended meanwhile
        }
      }
    }, 20);
    try {
      await ws.prepare(repoRef(`${server.baseUrl}/origin.git`), 1, 'kugetsu/issue-1');
    } finally {
      clearInterval(scan);
    }

    const processes = [...seen.values()];
    expect(processes.length).toBeGreaterThan(0);
    for (const { cmdline } of processes) {
      expect(cmdline).not.toContain(TOKEN);
      expect(cmdline).not.toContain(BASIC);
    }
    expect(processes.some(({ environ }) => environ.includes(`GIT_CONFIG_VALUE_0=Authorization: Basic ${BASIC}`))).toBe(true);
    expect(processes.every(({ environ }) => environ.includes('GIT_TERMINAL_PROMPT=0'))).toBe(true);
  });

  it('explains a rejected token without revealing it', async () => {
    server = await startGitHttpServer(fx.root, 'the-right-token');
    const ws = fx.makeWorkspace({ token: TOKEN });

    const error = await ws.prepare(repoRef(`${server.baseUrl}/origin.git`), 1, 'kugetsu/issue-1').catch((e: unknown) => e);

    expect(error).toMatchObject({ name: 'WorkspaceError', phase: 'clone' });
    expect((error as Error).message).toMatch(/authentication failed.*check GITEA_TOKEN/);
    expect((error as Error).message).not.toContain(TOKEN);
    expect(server.authorizations).toContain(`Basic ${BASIC}`);
  });

  it('refuses a clone URL with credentials in it (git would keep them in the config), with the token masked', async () => {
    const port = await closedPort();
    const ws = fx.makeWorkspace({ token: TOKEN });
    const url = `https://kugetsu:${TOKEN}@127.0.0.1:${port}/acme/widgets.git`;

    const error = await ws.prepare(repoRef(url), 1, 'kugetsu/issue-1').catch((e: unknown) => e);

    expect(error).toMatchObject({ name: 'WorkspaceError', phase: 'clone' });
    const message = (error as Error).message;
    expect(message).toContain(`refusing clone URL "https://***@127.0.0.1:${port}/acme/widgets.git"`);
    expect(message).toContain('without credentials in them');
    expect(message).not.toContain(TOKEN);
    expect(message).not.toContain(BASIC);
    expect(String((error as Error).cause)).not.toContain(TOKEN);
    for (const entry of fx.logs) expect(JSON.stringify(entry)).not.toContain(TOKEN);
  });

  it('does not let GIT_* variables or EDITOR of the parent process reach git', async () => {
    const saved = { ...process.env };
    process.env.GIT_DIR = join(fx.root, 'not-a-repo');
    process.env.GIT_WORK_TREE = fx.root;
    process.env.GIT_INDEX_FILE = join(fx.root, 'bogus-index');
    process.env.GIT_AUTHOR_NAME = 'Leaked Author';
    process.env.EDITOR = 'false';
    try {
      const ws = fx.makeWorkspace();
      const wt = await ws.prepare(fx.repo, 1, 'kugetsu/issue-1');
      writeFileSync(join(wt.path, 'x.txt'), 'x\n');
      const result = await ws.publish(fx.repo, wt, 'x');

      expect(result.pushed).toBe(true);
      expect(git(fx.origin, ['log', '-1', '--format=%an', 'kugetsu/issue-1'])).toBe('kugetsu');
    } finally {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
    }
  });
});
