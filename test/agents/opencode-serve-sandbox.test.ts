import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createAgent } from '../../src/agents/create-agent.js';
import { opencodeServerPlace } from '../../src/agents/opencode-server-place.js';
import type { AgentAdapter } from '../../src/agents/types.js';
import { startFakeModel, turnScript, type FakeModel } from '../../src/sandbox/fake-model.js';
import { createOpencodeHome } from '../../src/sandbox/opencode-home.js';
import { issuePlace, realSandbox, sandboxedTurn } from './cli-agent-world.js';
import { OPENCODE_BIN, tempDir } from './support.js';

/**
 * Warm opencode in kugetsu's sandbox: one `opencode serve` under bubblewrap for every issue of the
 * worker, showing the worktrees root read-write and hiding the rest of the state dir.
 */
describe('opencode serve mode in the bubblewrap sandbox', { timeout: 300_000 }, () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let model: FakeModel;
  let env: Record<string, string>;
  let state: string;
  let agent: AgentAdapter;
  const SECRET = 'state-secret-9f3c';

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir('ocserve-bwrap'));
    model = await startFakeModel();
    ({ env } = await createOpencodeHome({ dir: path.join(dir, 'home'), modelUrl: model.url, path: process.env.PATH ?? '/usr/bin:/bin' }));
    state = path.join(dir, 'state');
    await mkdir(state, { recursive: true });
    await writeFile(path.join(state, 'admin-token'), SECRET);
    agent = createAgent({ kind: 'opencode', bin: OPENCODE_BIN, mode: 'serve' }, { opencodeServer: opencodeServerPlace(realSandbox(state), state) });
  });
  afterAll(async () => {
    await agent?.close?.();
    await model?.close();
    await cleanup?.();
  });

  it("runs an issue's turn in the server's sandbox: worktrees shown, the state dir hidden, kugetsu's environment not passed", async () => {
    const sandbox = realSandbox(state);
    const one = issuePlace(state, 1);
    const two = issuePlace(state, 2);
    await writeFile(path.join(two.worktree, 'other.txt'), 'issue 2 file\n');
    const script = [
      `(cat ${path.join(state, 'admin-token')} 2>/dev/null || echo hidden) > probe.txt`,
      `cat ${path.join(two.worktree, 'other.txt')} >> probe.txt`,
      'env > probe-env.txt',
    ].join('; ');
    // Encoded, so that opencode's permission check (which refuses paths outside the worktree it can
    // read in a command, as `opencode run` without --auto does) does not stop it: the sandbox is the boundary.
    const probe = `eval "$(echo ${Buffer.from(script).toString('base64')} | base64 -d)"`;
    model.route(one.worktree, turnScript([{ tool: 'bash', args: { command: probe, description: 'probe the sandbox' } }], 'probed'));
    await writeFile(one.promptFile, 'probe\n');
    process.env.GITEA_TOKEN = 'gitea-token-must-not-leak';
    try {
      const outcome = await agent.run(sandboxedTurn(sandbox, one, env, 1));
      expect(outcome).toMatchObject({ exitCode: 0, summary: 'probed' });
    } finally {
      delete process.env.GITEA_TOKEN;
    }
    // The state dir's own files are hidden; another issue's worktree is visible (serve mode's trade, README "Agents").
    expect(await readFile(path.join(one.worktree, 'probe.txt'), 'utf8')).toBe('hidden\nissue 2 file\n');
    const seen = await readFile(path.join(one.worktree, 'probe-env.txt'), 'utf8');
    expect(seen).not.toContain('GITEA_TOKEN');
    expect(seen).toContain(`HOME=${path.join(state, 'opencode-serve', 'home')}\n`);
    // The server's sessions live in its own data dir under the state dir.
    expect(existsSync(path.join(state, 'opencode-serve', 'home', '.local', 'share', 'opencode', 'opencode.db'))).toBe(true);
    // The server is bwrap's child: its process group leader is bwrap.
    const pid = (agent as unknown as { runningServers(): Array<{ pid: number }> }).runningServers()[0]!.pid;
    expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0]).toMatch(/bwrap$/);
  });
});
