import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { createAgent } from '../../src/agents/create-agent.js';
import { opencodeRequest } from '../../src/agents/opencode-http.js';
import { createOpencodeServeAgent, type OpencodeServeAgent } from '../../src/agents/opencode-serve-agent.js';
import { killProcessGroup } from '../../src/agents/process-groups.js';
import { NO_SANDBOX } from '../../src/agents/turn-sandbox.js';
import type { AgentTurn, SessionPlace } from '../../src/agents/types.js';
import { issueKey } from '../../src/domain/issue-key.js';
import { startFakeModel, turnScript, type FakeModel } from '../../src/sandbox/fake-model.js';
import { createOpencodeHome } from '../../src/sandbox/opencode-home.js';
import { isGone, makeTurn, OPENCODE_BIN, tempDir } from './support.js';

function userTexts(messages: Array<{ role: string; content?: unknown }>): string[] {
  return messages
    .filter((m) => m.role === 'user')
    .map((m) => (typeof m.content === 'string' ? m.content : (m.content as Array<{ text?: string }>).map((p) => p.text ?? '').join('\n')));
}

async function until(what: string, check: () => boolean, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const statusSchema = z.record(z.string(), z.object({ type: z.string() }).loose());
const messagesSchema = z.array(z.object({ info: z.object({ role: z.string(), error: z.object({ name: z.string() }).loose().optional() }).loose() }).loose());

/**
 * Warm opencode (`KUGETSU_OPENCODE_MODE=serve`): the real `opencode serve` (opencode-ai 1.18.33)
 * against the scripted fake model on 127.0.0.1, no sandbox (the sandboxed server has its own test).
 */
describe('opencode agent in serve mode (real opencode serve against the fake model)', { timeout: 300_000 }, () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let model: FakeModel;
  let env: Record<string, string>;
  let agent: OpencodeServeAgent;

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir('ocserve'));
    model = await startFakeModel();
    ({ env } = await createOpencodeHome({ dir: path.join(dir, 'home'), modelUrl: model.url, path: process.env.PATH ?? '/usr/bin:/bin' }));
    agent = createOpencodeServeAgent({ bin: OPENCODE_BIN, serverDir: path.join(dir, 'server'), killGraceMs: 3000 });
  });
  afterAll(async () => {
    await agent?.close();
    await model?.close();
    await cleanup?.();
  });

  async function repo(name: string): Promise<string> {
    const wt = path.join(dir, name, 'wt');
    await mkdir(wt, { recursive: true });
    execFileSync('git', ['init', '-q', '-b', 'main', wt]);
    execFileSync('git', ['-C', wt, '-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '--allow-empty', '-m', 'init']);
    return wt;
  }

  async function turnIn(wt: string, prompt: string, n: number, over: Partial<AgentTurn> = {}): Promise<AgentTurn> {
    const base = path.dirname(wt);
    await writeFile(path.join(base, `prompt-${n}.md`), prompt);
    return makeTurn(base, { env, worktree: wt, promptFile: path.join(base, `prompt-${n}.md`), logFile: path.join(base, 'logs', `turn-${n}.log`), timeoutMs: 120_000, ...over });
  }

  function serverPid(): number {
    const running = agent.runningServers();
    expect(running).toHaveLength(1);
    return running[0]!.pid;
  }

  it('runs two turns on one server: the second continues the session with its history', async () => {
    const wt = await repo('two-turns');
    model.route(wt, (ctx) =>
      ctx.userText.includes('second request')
        ? { text: 'second turn done' }
        : turnScript([{ tool: 'write', args: { filePath: 'hello.txt', content: 'hi from the warm agent\n' } }], 'wrote hello.txt')(ctx),
    );
    const prompt1 = '# Issue acme/app#7\nPlease create hello.txt.\n';
    const output: string[] = [];
    const turn1 = await turnIn(wt, prompt1, 1, { onOutput: (t) => output.push(t) });
    const first = await agent.run(turn1);
    expect(first).toMatchObject({ exitCode: 0, timedOut: false, canceled: false, summary: 'wrote hello.txt' });
    expect(first.sessionId).toMatch(/^ses_/);
    expect(await readFile(path.join(wt, 'hello.txt'), 'utf8')).toBe('hi from the warm agent\n');
    expect(first.outputTail).toBe('tool write hello.txt → completed\ntext: wrote hello.txt');
    // Two steps of 10 prompt + 5 completion tokens each (the fake's usage), as in run mode.
    expect(first.usage).toEqual({ inputTokens: 20, outputTokens: 10, cacheReadTokens: 0, cacheWriteTokens: 0 });
    const log1 = await readFile(turn1.logFile, 'utf8');
    // The log holds the same JSON lines as `opencode run --format json`.
    const types = log1
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; sessionID: string });
    expect(types.map((t) => t.type)).toEqual(['step_start', 'tool_use', 'step_finish', 'step_start', 'text', 'step_finish']);
    expect(new Set(types.map((t) => t.sessionID))).toEqual(new Set([first.sessionId]));
    expect(output.join('')).toBe(log1);
    const pid1 = serverPid();

    const firstRequests = model.requests.filter((r) => r.workdir === wt && r.kind === 'turn');
    expect(firstRequests.map((r) => r.step)).toEqual([0, 1]);
    expect(userTexts(firstRequests[0]!.messages)).toEqual([`Follow the instructions below.\n${prompt1}`]);
    expect(model.requests.some((r) => r.kind === 'title' && r.workdir === wt)).toBe(false);

    const second = await agent.run(await turnIn(wt, 'second request: thanks\n', 2, { sessionId: first.sessionId }));
    expect(second).toMatchObject({ exitCode: 0, sessionId: first.sessionId, summary: 'second turn done' });
    expect(second.sessionRejected).toBeUndefined();
    const last = model.requests.at(-1)!;
    expect(last.workdir).toBe(wt);
    expect(userTexts(last.messages)).toEqual([`Follow the instructions below.\n${prompt1}`, 'Follow the instructions below.\nsecond request: thanks\n']);
    expect(last.messages.some((m) => m.role === 'assistant' && m.tool_calls?.[0]?.function.name === 'write')).toBe(true);
    expect(serverPid()).toBe(pid1);
  });

  it('marks a session the server does not know as rejected, so the caller can retry fresh', async () => {
    const wt = await repo('bad-session');
    const before = model.requests.length;
    const outcome = await agent.run(await turnIn(wt, 'anything\n', 1, { sessionId: 'ses_doesnotexist0000000000' }));
    expect(outcome).toMatchObject({ exitCode: 1, sessionRejected: true, sessionId: undefined, timedOut: false });
    expect(outcome.summary).toBe('opencode rejected session ses_doesnotexist0000000000 (Session not found); run the turn again without a session');
    expect(model.requests.length).toBe(before);
  });

  it('cancels a turn whose model stalls: aborted on the server, and the next turn works on the same server', async () => {
    const wt = await repo('cancel');
    model.route(wt, (ctx) => (ctx.userText.includes('stall now') ? { stall: true } : { text: 'after the cancel' }));
    const controller = new AbortController();
    const before = model.requests.length;
    const running = agent.run(await turnIn(wt, 'stall now\n', 1, { signal: controller.signal }));
    await until('the stalled model request', () => model.requests.slice(before).some((r) => r.workdir === wt && 'stall' in r.reply));
    const pid = serverPid();
    controller.abort();
    const outcome = await running;
    expect(outcome).toMatchObject({ canceled: true, timedOut: false, exitCode: null });
    expect(outcome.sessionId).toMatch(/^ses_/);
    const log = await readFile(path.join(path.dirname(wt), 'logs', 'turn-1.log'), 'utf8');
    expect(log).toContain('kugetsu: turn canceled; aborted on the opencode server');
    // On the server: the session is no longer busy and its answer ended as aborted.
    const server = agent.runningServers()[0]!;
    const status = await opencodeRequest(server, 'GET', '/session/status', { query: { directory: wt }, schema: statusSchema });
    expect(status[outcome.sessionId!]?.type ?? 'idle').toBe('idle');
    const messages = await opencodeRequest(server, 'GET', `/session/${outcome.sessionId}/message`, { query: { directory: wt }, schema: messagesSchema });
    expect(messages.at(-1)?.info).toMatchObject({ role: 'assistant', error: { name: 'MessageAbortedError' } });

    const next = await agent.run(await turnIn(wt, 'go on\n', 2, { sessionId: outcome.sessionId }));
    expect(next).toMatchObject({ exitCode: 0, canceled: false, sessionId: outcome.sessionId, summary: 'after the cancel' });
    expect(serverPid()).toBe(pid);
  });

  it('times out a turn whose model stalls, aborting it on the server that stays up', async () => {
    const wt = await repo('timeout');
    model.route(wt, (ctx) => (ctx.userText.includes('stall') ? { stall: true } : { text: 'warm' }));
    // A first turn starts the server (if needed) and opencode's instance for this worktree.
    expect(await agent.run(await turnIn(wt, 'warm up\n', 0))).toMatchObject({ exitCode: 0, summary: 'warm' });
    const pid = serverPid();
    const outcome = await agent.run(await turnIn(wt, 'stall\n', 1, { timeoutMs: 4000 }));
    expect(outcome).toMatchObject({ timedOut: true, canceled: false, exitCode: null });
    expect(await readFile(path.join(path.dirname(wt), 'logs', 'turn-1.log'), 'utf8')).toContain('kugetsu: turn timed out after 4000 ms; aborted on the opencode server');
    expect(serverPid()).toBe(pid);
  });

  it('restarts a server killed between turns; the next turn continues the session', async () => {
    const wt = await repo('killed-between');
    model.route(wt, (ctx) => ({ text: `answer to ${ctx.userText.trim().split('\n').at(-1)}` }));
    const first = await agent.run(await turnIn(wt, 'one\n', 1));
    expect(first).toMatchObject({ exitCode: 0, summary: 'answer to one' });
    const old = serverPid();
    killProcessGroup(old, 'SIGKILL');
    await until('the server to be gone', () => agent.runningServers().length === 0 && isGone(old));
    const second = await agent.run(await turnIn(wt, 'two\n', 2, { sessionId: first.sessionId }));
    expect(second).toMatchObject({ exitCode: 0, summary: 'answer to two', sessionId: first.sessionId });
    expect(serverPid()).not.toBe(old);
    expect(userTexts(model.requests.at(-1)!.messages)).toEqual(['Follow the instructions below.\none\n', 'Follow the instructions below.\ntwo\n']);
  });

  it('fails the turn in flight cleanly when the server dies, and the next turn starts a new one', async () => {
    const wt = await repo('dies-in-turn');
    model.route(wt, (ctx) => (ctx.userText.includes('stall') ? { stall: true } : { text: 'fresh server' }));
    const before = model.requests.length;
    const running = agent.run(await turnIn(wt, 'stall\n', 1));
    await until('the stalled model request', () => model.requests.slice(before).some((r) => r.workdir === wt));
    const pid = serverPid();
    killProcessGroup(pid, 'SIGKILL');
    const outcome = await running;
    expect(outcome).toMatchObject({ timedOut: false, canceled: false, exitCode: null, signal: 'SIGKILL' });
    expect(outcome.agentError).toBe(`the opencode server (pid ${pid}) died during the turn (SIGKILL); the next turn starts a new one`);
    const next = await agent.run(await turnIn(wt, 'again\n', 2));
    expect(next).toMatchObject({ exitCode: 0, summary: 'fresh server' });
    expect(serverPid()).not.toBe(pid);
  });

  it('moves a session to another server with export and import', async () => {
    const wt = await repo('travel');
    model.route(wt, (ctx) => ({ text: `seen ${userTexts(ctx.messages).length} user messages` }));
    const first = await agent.run(await turnIn(wt, 'first\n', 1));
    expect(first).toMatchObject({ exitCode: 0, summary: 'seen 1 user messages' });
    const place: SessionPlace = {
      issueKey: issueKey('acme', 'app', 7),
      sessionId: first.sessionId!,
      worktree: wt,
      agentDir: path.join(dir, 'travel', 'agent'),
      sessionFile: path.join(dir, 'travel', 'session-id'),
      env,
      sandbox: NO_SANDBOX,
      timeoutMs: 60_000,
    };
    const exported = await agent.exportSession!(place);
    expect(exported.ok).toBe(true);
    // Another worker: its own opencode home (data dir) and server.
    const { env: otherEnv } = await createOpencodeHome({ dir: path.join(dir, 'home-2'), modelUrl: model.url, path: process.env.PATH ?? '/usr/bin:/bin' });
    const other = createAgent({ kind: 'opencode', bin: OPENCODE_BIN, mode: 'serve' }, { opencodeServer: { dir: path.join(dir, 'server-2'), sandbox: NO_SANDBOX } });
    try {
      const imported = await other.importSession!({ ...place, env: otherEnv }, exported.ok ? exported.data : Buffer.alloc(0));
      expect(imported.ok).toBe(true);
      const second = await other.run(await turnIn(wt, 'second\n', 2, { env: otherEnv, sessionId: first.sessionId }));
      expect(second).toMatchObject({ exitCode: 0, sessionId: first.sessionId, summary: 'seen 2 user messages' });
    } finally {
      await other.close?.();
    }
  });
});
