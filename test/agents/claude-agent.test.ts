import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claudeArgs, createClaudeAgent } from '../../src/agents/claude-agent.js';
import { claudeProjectDir } from '../../src/agents/claude-session.js';
import type { AgentSandbox } from '../../src/agents/agent-sandbox.js';
import { startFakeAnthropicModel } from '../../src/sandbox/fake-anthropic-model.js';
import { DEFAULT_SCRIPTED_USAGE, scriptedTurn, type ScriptedModel } from '../../src/sandbox/fake-model-common.js';
import { CLAUDE_BIN, issuePlace, realSandbox, sandboxedTurn, sessionPlace } from './cli-agent-world.js';
import { hostProcessesWith, tempDir } from './support.js';

/**
 * The real Claude Code CLI (2.1.332) in kugetsu's real bubblewrap sandbox, against the scripted
 * Anthropic Messages fake on 127.0.0.1 (docs/agents-offline.md).
 */
describe('claude agent (real Claude Code in the real sandbox, fake Anthropic model)', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let model: ScriptedModel;
  let sandbox: AgentSandbox;
  let state: string;
  let env: Record<string, string>;
  const agent = createClaudeAgent({ bin: CLAUDE_BIN, killGraceMs: 500 });

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir('claude'));
    state = path.join(dir, 'state');
    model = await startFakeAnthropicModel();
    sandbox = realSandbox(state);
    env = { PATH: process.env.PATH ?? '/usr/bin:/bin', ANTHROPIC_BASE_URL: model.url, ANTHROPIC_API_KEY: 'sk-fake-claude', CLAUDE_CODE_MAX_RETRIES: '0' };
  });
  afterAll(async () => {
    await model.close();
    await cleanup();
  });

  it('passes the prompt on stdin, options with = and the session as --resume', () => {
    expect(claudeArgs({ sessionId: undefined })).toEqual(['-p', '--output-format', 'stream-json', '--verbose', '--permission-mode=acceptEdits']);
    expect(claudeArgs({ sessionId: 'abc' }, { model: 'sonnet', permissionMode: 'bypassPermissions', extraArgs: ['--max-turns', '5'] })).toEqual([
      '-p',
      '--output-format',
      'stream-json',
      '--verbose',
      '--permission-mode=bypassPermissions',
      '--model=sonnet',
      '--resume=abc',
      '--max-turns',
      '5',
    ]);
  });

  it('writes a file in a turn, reports session and usage, then resumes the session with its history; the session travels to another agent dir', async () => {
    const p = issuePlace(state, 1);
    const file = path.join(p.worktree, 'hello.txt');
    model.route(p.worktree, (ctx) =>
      ctx.userText.includes('second request')
        ? { text: 'second turn done' }
        : scriptedTurn([{ tool: 'Write', args: { file_path: file, content: 'hi from claude\n' } }], 'wrote hello.txt')(ctx),
    );
    writeFileSync(p.promptFile, '# Issue acme/app#1\nPlease create hello.txt.\n');
    const first = await agent.run(sandboxedTurn(sandbox, p, env, 1));
    expect(first).toMatchObject({ exitCode: 0, timedOut: false, canceled: false, summary: 'wrote hello.txt' });
    expect(first.agentError).toBeUndefined();
    expect(first.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(readFileSync(file, 'utf8')).toBe('hi from claude\n');
    expect(first.outputTail).toContain(`tool Write ${file}`);
    // Two model requests, each with the fake's usage: the result line sums them.
    const u = DEFAULT_SCRIPTED_USAGE;
    expect(first.usage).toMatchObject({
      inputTokens: 2 * u.inputTokens,
      outputTokens: 2 * u.outputTokens,
      cacheReadTokens: 2 * u.cacheReadTokens,
      cacheWriteTokens: 2 * u.cacheWriteTokens,
      costSource: 'agent',
    });
    expect(first.usage!.costUsd).toBeGreaterThan(0);
    // The session lives in the sandbox's HOME (the agent dir), keyed by the worktree.
    expect(existsSync(path.join(claudeProjectDir(path.join(p.agentDir, 'home'), p.worktree), `${first.sessionId}.jsonl`))).toBe(true);
    const turnRequests = model.requests.filter((r) => r.workdir === p.worktree && r.kind === 'turn');
    expect(turnRequests.map((r) => r.step)).toEqual([0, 1]);
    expect(turnRequests[0]!.userText).toContain('Please create hello.txt.');
    // Neither the fake key's owner nor anything else: only the fake model was asked.
    expect(turnRequests[0]!.headers['x-api-key']).toBe('sk-fake-claude');

    writeFileSync(p.promptFile, 'second request: thanks\n');
    const second = await agent.run(sandboxedTurn(sandbox, p, env, 2, { sessionId: first.sessionId }));
    expect(second).toMatchObject({ exitCode: 0, sessionId: first.sessionId, summary: 'second turn done' });
    // This turn's usage only (one request), and its own cost, not the session's running total.
    expect(second.usage).toMatchObject({ inputTokens: u.inputTokens, outputTokens: u.outputTokens });
    expect(second.usage!.costUsd!).toBeLessThan(first.usage!.costUsd!);
    const last = model.requests.at(-1)!;
    expect(last.userTexts.map((t) => t.trim())).toEqual([expect.stringContaining('Please create hello.txt.'), 'second request: thanks']);

    // Export here, import into another issue's agent dir of the same worktree path layout: resumable there.
    const exported = await agent.exportSession!(sessionPlace(sandbox, p, env, first.sessionId!));
    expect(exported.ok).toBe(true);
    const q = issuePlace(path.join(dir, 'other-worker'), 1);
    model.route(q.worktree, () => ({ text: 'continued elsewhere' }));
    const imported = await agent.importSession!(sessionPlace(sandbox, q, env, first.sessionId!), (exported as { data: Buffer }).data);
    expect(imported.ok).toBe(true);
    writeFileSync(q.promptFile, 'third request\n');
    const third = await agent.run(sandboxedTurn(sandbox, q, env, 3, { sessionId: first.sessionId }));
    expect(third).toMatchObject({ exitCode: 0, sessionId: first.sessionId, summary: 'continued elsewhere' });
    expect(model.requests.at(-1)!.userTexts.map((t) => t.trim())).toEqual([expect.stringContaining('Please create hello.txt.'), 'second request: thanks', 'third request']);
  }, 120_000);

  it('with bypassPermissions as root in the sandbox, Claude Code starts (kugetsu sets IS_SANDBOX=1) and runs Bash', async () => {
    expect(process.getuid?.()).toBe(0); // the trap only exists as root; these machines run tests as root
    const p = issuePlace(state, 5);
    model.route(p.worktree, scriptedTurn([{ tool: 'Bash', args: { command: 'echo from-bash > bash.txt', description: 'write a file' } }], 'ran bash'));
    writeFileSync(p.promptFile, 'run a command\n');
    const bypass = createClaudeAgent({ bin: CLAUDE_BIN, permissionMode: 'bypassPermissions', killGraceMs: 500 });
    const outcome = await bypass.run(sandboxedTurn(sandbox, p, env, 1));
    expect(outcome).toMatchObject({ exitCode: 0, summary: 'ran bash' });
    expect(outcome.agentError).toBeUndefined();
    expect(readFileSync(path.join(p.worktree, 'bash.txt'), 'utf8')).toBe('from-bash\n');
  }, 60_000);

  it('marks a session Claude Code does not know as rejected', async () => {
    const p = issuePlace(state, 2);
    writeFileSync(p.promptFile, 'hello\n');
    const outcome = await agent.run(sandboxedTurn(sandbox, p, env, 1, { sessionId: '3f0c1f38-0000-4000-8000-000000000000' }));
    expect(outcome).toMatchObject({ exitCode: 1, sessionRejected: true, sessionId: undefined });
  }, 60_000);

  it("fails a turn the model refuses, with the model's own message", async () => {
    const p = issuePlace(state, 3);
    model.route(p.worktree, () => ({ httpError: { status: 400, message: 'fake model says no to this prompt' } }));
    writeFileSync(p.promptFile, 'hello\n');
    const outcome = await agent.run(sandboxedTurn(sandbox, p, env, 1));
    expect(outcome.exitCode).not.toBe(0);
    expect(outcome.agentError).toContain('fake model says no to this prompt');
  }, 60_000);

  it('kills the whole process group when the model stalls past the turn timeout, and on cancel', async () => {
    const p = issuePlace(state, 4);
    model.route(p.worktree, () => ({ stall: true }));
    writeFileSync(p.promptFile, 'hello\n');
    const timedOut = await agent.run(sandboxedTurn(sandbox, p, env, 1, { timeoutMs: 4_000 }));
    expect(timedOut).toMatchObject({ timedOut: true, canceled: false });
    expect(timedOut.agentError).toBeUndefined();
    expect(hostProcessesWith(p.worktree)).toEqual([]);

    const controller = new AbortController();
    const running = agent.run(sandboxedTurn(sandbox, p, env, 2, { signal: controller.signal }));
    const asked = model.requests.length;
    while (model.requests.length === asked) await new Promise((r) => setTimeout(r, 50));
    controller.abort();
    const canceled = await running;
    expect(canceled).toMatchObject({ canceled: true, timedOut: false });
    expect(hostProcessesWith(p.worktree)).toEqual([]);
  }, 60_000);
});
