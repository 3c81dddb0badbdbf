import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgentSandbox } from '../../src/agents/agent-sandbox.js';
import { createCommandAgent } from '../../src/agents/command-agent.js';
import { createOpencodeAgent } from '../../src/agents/opencode-agent.js';
import { DEFAULT_SANDBOX_SETTINGS } from '../../src/agents/sandbox-settings.js';
import { readSessionMarker, SESSION_MARKER_FILE, writeSessionMarker } from '../../src/agents/session-marker.js';
import { captureSession, restoreSession } from '../../src/agents/session-travel.js';
import type { AgentTurn, SessionPlace } from '../../src/agents/types.js';
import { NO_SANDBOX } from '../../src/agents/turn-sandbox.js';
import { issueKey } from '../../src/domain/issue-key.js';
import { startFakeModel, type FakeModel } from '../../src/sandbox/fake-model.js';
import { createOpencodeHome } from '../../src/sandbox/opencode-home.js';
import { OPENCODE_BIN, tempDir } from './support.js';

const KEY = issueKey('acme', 'app', 7);

/** One worker's files for issue acme/app#7 under its own state dir, as the job runner lays them out. */
interface WorkerSide {
  state: string;
  worktree: string;
  agentDir: string;
  promptFile: string;
  sessionFile: string;
}

function side(root: string, name: string): WorkerSide {
  const state = path.join(root, name);
  const s = {
    state,
    worktree: path.join(state, 'worktrees', 'acme', 'app', 'issue-7'),
    agentDir: path.join(state, 'agents', 'acme', 'app', 'issue-7'),
    promptFile: path.join(state, 'prompts', 'acme', 'app', 'issue-7', 'job-1.md'),
    sessionFile: path.join(state, 'sessions', 'acme', 'app', 'issue-7.session'),
  };
  for (const f of [s.promptFile, s.sessionFile]) mkdirSync(path.dirname(f), { recursive: true });
  writeFileSync(s.sessionFile, '');
  return s;
}

const userTexts = (messages: Array<{ role: string; content?: unknown }>) =>
  messages.filter((m) => m.role === 'user').map((m) => (typeof m.content === 'string' ? m.content : JSON.stringify(m.content)));

describe('sessions travel between workers (real opencode in the real bwrap sandbox, against the fake model)', () => {
  let root: string;
  let cleanup: () => Promise<void>;
  let model: FakeModel;
  let env: Record<string, string>;
  const agent = createOpencodeAgent({ bin: OPENCODE_BIN });

  beforeAll(async () => {
    ({ dir: root, cleanup } = await tempDir('travel'));
    model = await startFakeModel({ script: (ctx) => ({ text: `noted: ${ctx.userText.split('\n').at(-2) ?? ''}` }) });
    ({ env } = await createOpencodeHome({ dir: path.join(root, 'opencode-home'), modelUrl: model.url, path: process.env.PATH ?? '/usr/bin:/bin' }));
  });
  afterAll(async () => {
    await model.close();
    await cleanup();
  });

  const sandboxOf = (s: WorkerSide) =>
    createAgentSandbox(DEFAULT_SANDBOX_SETTINGS, { stateDir: s.state }).forTurn({
      worktree: s.worktree,
      agentDir: s.agentDir,
      promptFile: s.promptFile,
      sessionFile: s.sessionFile,
    });
  const place = (s: WorkerSide, sessionId: string): SessionPlace => ({
    issueKey: KEY,
    sessionId,
    worktree: s.worktree,
    agentDir: s.agentDir,
    sessionFile: s.sessionFile,
    env,
    sandbox: sandboxOf(s),
    timeoutMs: 60_000,
  });
  const turn = (s: WorkerSide, prompt: string, sessionId: string | undefined, log: string): AgentTurn => {
    writeFileSync(s.promptFile, prompt);
    return {
      issueKey: KEY,
      worktree: s.worktree,
      branch: 'kugetsu/issue-7',
      promptFile: s.promptFile,
      message: '',
      sessionId,
      sessionFile: s.sessionFile,
      timeoutMs: 60_000,
      env,
      logFile: path.join(s.state, 'logs', log),
      sandbox: sandboxOf(s),
    };
  };

  it('worker A exports the session after its turn; worker B imports it and continues it with the whole history; the marker then spares a second import', async () => {
    const a = side(root, 'a');
    const b = side(root, 'b');
    mkdirSync(a.worktree, { recursive: true });
    execFileSync('git', ['init', '-q', '-b', 'kugetsu/issue-7', a.worktree]);
    writeFileSync(path.join(a.worktree, 'README.md'), '# app\n');
    execFileSync('git', ['-C', a.worktree, 'add', '.']);
    execFileSync('git', ['-C', a.worktree, '-c', 'user.name=t', '-c', 'user.email=t@example.test', 'commit', '-qm', 'init']);
    // B's worktree is built from the same history elsewhere (opencode keys sessions by the project: its first commit).
    execFileSync('git', ['clone', '-q', a.worktree, b.worktree]);

    const first = await agent.run(turn(a, 'first request: remember the word LANTERN\n', undefined, 'job-1.log'));
    expect(first).toMatchObject({ exitCode: 0, timedOut: false });
    const sessionId = first.sessionId!;
    expect(sessionId).toMatch(/^ses_/);

    const captured = await captureSession(agent, place(a, sessionId));
    expect(captured.kind).toBe('exported');
    const data = (captured as { data: Buffer }).data;
    const exported = JSON.parse(data.toString('utf8')) as { info: { id: string }; messages: unknown[] };
    expect(exported.info.id).toBe(sessionId);
    expect(exported.messages.length).toBeGreaterThanOrEqual(2);
    const version = createHash('sha256').update(data).digest('hex');
    expect(await readSessionMarker(a.agentDir)).toEqual({ agent: 'opencode', sessionId, version });
    // A holds what it exported: nothing to import there.
    expect(await restoreSession(agent, data, place(a, sessionId))).toEqual({ kind: 'held' });

    // B has never seen the session: continuing it fails until it is imported.
    const before = await agent.run(turn(b, 'too early\n', sessionId, 'job-0.log'));
    expect(before.sessionRejected).toBe(true);
    expect(await restoreSession(agent, data, place(b, sessionId))).toEqual({ kind: 'imported' });
    expect(await readSessionMarker(b.agentDir)).toEqual({ agent: 'opencode', sessionId, version });
    // The import's scratch file is gone; the agent dir holds opencode's data, not the export.
    expect(readdirSync(b.agentDir).filter((n) => n.startsWith('import-'))).toEqual([]);

    const second = await agent.run(turn(b, 'second request: which word?\n', sessionId, 'job-2.log'));
    expect(second).toMatchObject({ exitCode: 0, sessionId });
    const last = model.requests.filter((r) => r.kind === 'turn').at(-1)!;
    expect(last.workdir).toBe(b.worktree);
    const texts = userTexts(last.messages);
    expect(texts).toHaveLength(2);
    expect(texts[0]).toContain('remember the word LANTERN');
    expect(texts[1]).toContain('which word?');
    expect(last.messages.some((m) => m.role === 'assistant' && JSON.stringify(m.content).includes('remember the word LANTERN'))).toBe(true);

    // Same stored version again: the marker says B holds it.
    expect(await restoreSession(agent, data, place(b, sessionId))).toEqual({ kind: 'held' });
    // B's export now carries both turns; A, holding the older version, imports it.
    const again = await captureSession(agent, place(b, sessionId));
    expect(again.kind).toBe('exported');
    const newer = (again as { data: Buffer }).data;
    expect((JSON.parse(newer.toString('utf8')) as { messages: unknown[] }).messages.length).toBeGreaterThan(exported.messages.length);
    expect(await restoreSession(agent, newer, place(a, sessionId))).toEqual({ kind: 'imported' });
    const third = await agent.run(turn(a, 'third request: and now?\n', sessionId, 'job-3.log'));
    expect(third).toMatchObject({ exitCode: 0, sessionId });
    expect(userTexts(model.requests.filter((r) => r.kind === 'turn').at(-1)!.messages).map((t) => t.includes('which word?'))).toEqual([false, true, false]);
  }, 180_000);

  it('a broken export is refused without failing: not JSON, another session, or JSON opencode cannot import', async () => {
    const c = side(root, 'c');
    mkdirSync(c.worktree, { recursive: true });
    execFileSync('git', ['init', '-q', c.worktree]);
    const id = 'ses_0000000000000000000000000';
    expect(await restoreSession(agent, Buffer.from('{"info": {"id"'), place(c, id))).toEqual({
      kind: 'failed',
      problem: `the stored export is not an opencode session export, not of ${id}`,
    });
    expect(await restoreSession(agent, Buffer.from('{"info":{"id":"ses_other"}}'), place(c, id))).toEqual({
      kind: 'failed',
      problem: `the stored export is of session ses_other, not of ${id}`,
    });
    const refused = await restoreSession(agent, Buffer.from(JSON.stringify({ info: { id }, messages: [] })), place(c, id));
    expect(refused.kind).toBe('failed');
    expect((refused as { problem: string }).problem).toMatch(/^.*opencode.* import exited with 1: /);
    expect(await readSessionMarker(c.agentDir)).toBeUndefined();
    // Nothing stored at all: the agent is left to continue its own copy, if any.
    expect(await restoreSession(agent, undefined, place(c, id))).toEqual({ kind: 'no-export' });
    // Exporting a session this agent dir does not hold fails with opencode's reason.
    const missing = await captureSession(agent, place(c, id));
    expect(missing.kind).toBe('failed');
    expect((missing as { problem: string }).problem).toContain(`Session not found: ${id}`);
  }, 120_000);
});

describe('session marker and the command agent', () => {
  it("the command agent's session is its session file: exported after the turn, checked and written back on import", async () => {
    const { dir, cleanup } = await tempDir('travel-cmd');
    try {
      const s = side(dir, 'w');
      mkdirSync(s.worktree, { recursive: true });
      const agent = createCommandAgent({ argv: ['/bin/sh', '-c', 'true'] });
      const at = (sessionId: string): SessionPlace => ({
        issueKey: KEY,
        sessionId,
        worktree: s.worktree,
        agentDir: s.agentDir,
        sessionFile: s.sessionFile,
        env: {},
        sandbox: NO_SANDBOX,
        timeoutMs: 1000,
      });
      writeFileSync(s.sessionFile, 'cmd-41\n');
      const out = await captureSession(agent, at('cmd-41'));
      expect(out).toMatchObject({ kind: 'exported' });
      expect((out as { data: Buffer }).data.toString()).toBe('cmd-41');
      // On another worker, the session file is rebuilt from the export.
      const other = side(dir, 'x');
      const place = { ...at('cmd-41'), agentDir: other.agentDir, sessionFile: other.sessionFile };
      expect(await restoreSession(agent, (out as { data: Buffer }).data, place)).toEqual({ kind: 'imported' });
      expect(readFileSync(other.sessionFile, 'utf8')).toBe('cmd-41');
      expect(await restoreSession(agent, Buffer.from('cmd-99'), place)).toEqual({ kind: 'failed', problem: 'the stored export does not name session cmd-41' });
      // The session file names another session than the one to export: refused.
      writeFileSync(s.sessionFile, 'cmd-42');
      expect(await captureSession(agent, at('cmd-41'))).toEqual({ kind: 'failed', problem: 'the session file names cmd-42, not cmd-41' });
    } finally {
      await cleanup();
    }
  });

  it('a marker planted as a symlink is not followed: ignored when read, replaced (not its target) when written', async () => {
    const { dir, cleanup } = await tempDir('travel-marker');
    try {
      const agentDir = path.join(dir, 'agent');
      mkdirSync(agentDir);
      const target = path.join(dir, 'elsewhere.json');
      writeFileSync(target, JSON.stringify({ agent: 'opencode', sessionId: 'ses_x', version: 'v' }));
      symlinkSync(target, path.join(agentDir, SESSION_MARKER_FILE));
      expect(await readSessionMarker(agentDir)).toBeUndefined();
      await writeSessionMarker(agentDir, { agent: 'opencode', sessionId: 'ses_y', version: 'w' });
      expect(lstatSync(path.join(agentDir, SESSION_MARKER_FILE)).isFile()).toBe(true);
      expect(await readSessionMarker(agentDir)).toEqual({ agent: 'opencode', sessionId: 'ses_y', version: 'w' });
      expect(JSON.parse(readFileSync(target, 'utf8'))).toEqual({ agent: 'opencode', sessionId: 'ses_x', version: 'v' });
      expect(existsSync(target)).toBe(true);
    } finally {
      await cleanup();
    }
  });
});
