import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codexArgs, createCodexAgent } from '../../src/agents/codex-agent.js';
import type { AgentSandbox } from '../../src/agents/agent-sandbox.js';
import { startFakeResponsesModel } from '../../src/sandbox/fake-responses-model.js';
import { DEFAULT_SCRIPTED_USAGE, scriptedTurn, type ScriptedModel } from '../../src/sandbox/fake-model-common.js';
import { CODEX_BIN, issuePlace, realSandbox, sandboxedTurn, sessionPlace } from './cli-agent-world.js';
import { hostProcessesWith, tempDir } from './support.js';

/**
 * The real Codex CLI (0.169.0) in kugetsu's real bubblewrap sandbox, against the scripted OpenAI
 * Responses fake on 127.0.0.1 (docs/agents-offline.md). The adapter is given the npm launcher
 * (`bin/codex.js`) and must run the native binary.
 */
describe('codex agent (real Codex in the real sandbox, fake Responses model)', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let model: ScriptedModel;
  let sandbox: AgentSandbox;
  let state: string;
  let env: Record<string, string>;
  let agent: ReturnType<typeof createCodexAgent>;

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir('codex'));
    state = path.join(dir, 'state');
    model = await startFakeResponsesModel();
    sandbox = realSandbox(state);
    env = { PATH: process.env.PATH ?? '/usr/bin:/bin', FAKE_API_KEY: 'sk-fake-codex' };
    agent = createCodexAgent({ bin: CODEX_BIN, model: 'gpt-5.5', provider: { baseUrl: model.url, envKey: 'FAKE_API_KEY', maxRetries: 0 }, killGraceMs: 500 });
  });
  afterAll(async () => {
    await model.close();
    await cleanup();
  });

  it('reads the prompt from stdin and never takes a thread id for an option', () => {
    const fresh = codexArgs({ sessionId: undefined });
    expect(fresh.slice(0, 2)).toEqual(['exec', '--json']);
    expect(fresh.at(-1)).toBe('-');
    expect(fresh).toContain('sandbox_mode="workspace-write"');
    expect(codexArgs({ sessionId: undefined }, {}, 'bwrap')).toContain('sandbox_mode="danger-full-access"');
    expect(codexArgs({ sessionId: 'abc' }, { sandboxMode: 'danger-full-access' }).slice(-3)).toEqual(['--', 'abc', '-']);
    expect(codexArgs({ sessionId: 'abc' }).slice(0, 3)).toEqual(['exec', 'resume', '--json']);
  });

  it('writes a file in a turn, reports thread and tokens, then resumes the thread with its history; the thread travels to another agent dir', async () => {
    const p = issuePlace(state, 1);
    model.route(p.worktree, (ctx) =>
      ctx.userText.includes('second request')
        ? { text: 'second turn done' }
        : scriptedTurn([{ tool: 'exec_command', args: { cmd: "printf 'hi from codex\\n' > hello.txt" } }], 'wrote hello.txt')(ctx),
    );
    writeFileSync(p.promptFile, '# Issue acme/app#1\nPlease create hello.txt.\n');
    const first = await agent.run(sandboxedTurn(sandbox, p, env, 1));
    expect(first).toMatchObject({ exitCode: 0, timedOut: false, canceled: false, summary: 'wrote hello.txt' });
    expect(first.agentError).toBeUndefined();
    expect(first.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(readFileSync(path.join(p.worktree, 'hello.txt'), 'utf8')).toBe('hi from codex\n');
    // The generated config lives in the issue's own CODEX_HOME.
    expect(readFileSync(path.join(p.agentDir, 'codex-home', 'config.toml'), 'utf8')).toContain(`base_url = "${model.url}"`);
    const u = DEFAULT_SCRIPTED_USAGE;
    // Two requests; OpenAI's input tokens include the cached ones, kugetsu's do not. No cost from Codex.
    expect(first.usage).toEqual({
      inputTokens: 2 * (u.inputTokens - u.cacheReadTokens),
      outputTokens: 2 * u.outputTokens,
      cacheReadTokens: 2 * u.cacheReadTokens,
      cacheWriteTokens: 0,
      model: 'gpt-5.5',
    });
    const turnRequests = model.requests.filter((r) => r.workdir === p.worktree && r.kind === 'turn');
    expect(turnRequests.map((r) => r.step)).toEqual([0, 1]);
    expect(turnRequests[0]!.userText).toContain('Please create hello.txt.');
    expect(turnRequests[0]!.headers.authorization).toBe('Bearer sk-fake-codex');

    writeFileSync(p.promptFile, 'second request: thanks\n');
    const second = await agent.run(sandboxedTurn(sandbox, p, env, 2, { sessionId: first.sessionId }));
    expect(second).toMatchObject({ exitCode: 0, sessionId: first.sessionId, summary: 'second turn done' });
    // Codex reports the thread's running totals: the adapter gives this turn's own (one request).
    expect(second.usage).toMatchObject({ inputTokens: u.inputTokens - u.cacheReadTokens, outputTokens: u.outputTokens, cacheReadTokens: u.cacheReadTokens });
    expect(model.requests.at(-1)!.userTexts.map((t) => t.trim())).toEqual([expect.stringContaining('Please create hello.txt.'), 'second request: thanks']);

    const exported = await agent.exportSession!(sessionPlace(sandbox, p, env, first.sessionId!));
    expect(exported.ok).toBe(true);
    const q = issuePlace(path.join(dir, 'other-worker'), 1);
    model.route(q.worktree, () => ({ text: 'continued elsewhere' }));
    expect((await agent.importSession!(sessionPlace(sandbox, q, env, first.sessionId!), (exported as { data: Buffer }).data)).ok).toBe(true);
    writeFileSync(q.promptFile, 'third request\n');
    const third = await agent.run(sandboxedTurn(sandbox, q, env, 3, { sessionId: first.sessionId }));
    expect(third).toMatchObject({ exitCode: 0, sessionId: first.sessionId, summary: 'continued elsewhere' });
    expect(model.requests.at(-1)!.userTexts.map((t) => t.trim())).toEqual([expect.stringContaining('Please create hello.txt.'), 'second request: thanks', 'third request']);
  }, 120_000);

  it('marks a thread Codex does not know as rejected', async () => {
    const p = issuePlace(state, 2);
    writeFileSync(p.promptFile, 'hello\n');
    const outcome = await agent.run(sandboxedTurn(sandbox, p, env, 1, { sessionId: '3f0c1f38-0000-4000-8000-000000000000' }));
    expect(outcome).toMatchObject({ exitCode: 1, sessionRejected: true, sessionId: undefined });
  }, 60_000);

  it("fails a turn the model refuses (turn.failed), with the model's own message", async () => {
    const p = issuePlace(state, 3);
    model.route(p.worktree, () => ({ httpError: { status: 400, message: 'fake model says no to this prompt' } }));
    writeFileSync(p.promptFile, 'hello\n');
    const outcome = await agent.run(sandboxedTurn(sandbox, p, env, 1));
    expect(outcome.exitCode).toBe(1);
    expect(outcome.agentError).toBe('Codex reported turn.failed: fake model says no to this prompt');
  }, 60_000);

  it('kills the whole process group when the model stalls past the turn timeout, and on cancel', async () => {
    const p = issuePlace(state, 4);
    model.route(p.worktree, () => ({ stall: true }));
    writeFileSync(p.promptFile, 'hello\n');
    const timedOut = await agent.run(sandboxedTurn(sandbox, p, env, 1, { timeoutMs: 4_000 }));
    expect(timedOut).toMatchObject({ timedOut: true, canceled: false });
    expect(hostProcessesWith(p.worktree)).toEqual([]);

    const controller = new AbortController();
    const running = agent.run(sandboxedTurn(sandbox, p, env, 2, { signal: controller.signal }));
    const asked = model.requests.length;
    while (model.requests.length === asked) await new Promise((r) => setTimeout(r, 50));
    controller.abort();
    expect(await running).toMatchObject({ canceled: true, timedOut: false });
    expect(hostProcessesWith(p.worktree)).toEqual([]);
  }, 60_000);
});
