import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createAgent } from '../../src/agents/create-agent.js';
import { opencodeArgs } from '../../src/agents/opencode-agent.js';
import { startFakeModel, turnScript, type FakeModel } from '../../src/sandbox/fake-model.js';
import { createOpencodeHome } from '../../src/sandbox/opencode-home.js';
import { hostProcessesWith, makeTurn, OPENCODE_BIN, tempDir } from './support.js';
import type { AgentTurn } from '../../src/agents/types.js';

function userTexts(messages: Array<{ role: string; content?: unknown }>): string[] {
  return messages
    .filter((m) => m.role === 'user')
    .map((m) => (typeof m.content === 'string' ? m.content : (m.content as Array<{ text?: string }>).map((p) => p.text ?? '').join('\n')));
}

describe('opencode agent (real opencode 1.18.33 against the fake model)', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let model: FakeModel;
  let env: Record<string, string>;
  const agent = createAgent({ kind: 'opencode', bin: OPENCODE_BIN });

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir('oc'));
    model = await startFakeModel();
    ({ env } = await createOpencodeHome({ dir: path.join(dir, 'home'), modelUrl: model.url, path: process.env.PATH ?? '/usr/bin:/bin' }));
  });
  afterAll(async () => {
    await model.close();
    await cleanup();
  });

  async function repo(name: string): Promise<string> {
    const wt = path.join(dir, name, 'wt');
    await mkdir(wt, { recursive: true });
    execFileSync('git', ['init', '-q', '-b', 'main', wt]);
    return wt;
  }

  it('runs a turn that writes a file, then continues the same session with its history', async () => {
    const wt = await repo('two-turns');
    const base = path.dirname(wt);
    // First turn: one write tool call, then text. Second turn: text only.
    model.route(wt, (ctx) =>
      ctx.userText.includes('second request')
        ? { text: 'second turn done' }
        : turnScript([{ tool: 'write', args: { filePath: 'hello.txt', content: 'hi from the agent\n' } }], 'wrote hello.txt')(ctx),
    );
    const prompt1 = '# Issue acme/app#7\n--help is text, not an option\nPlease create hello.txt.\n';
    await writeFile(path.join(base, 'prompt.md'), prompt1);
    const seen: unknown[] = [];
    const turn1: AgentTurn = makeTurn(base, { env, worktree: wt, onUsage: (u) => seen.push(u) });
    const first = await agent.run(turn1);
    expect(first).toMatchObject({ exitCode: 0, timedOut: false, canceled: false, summary: 'wrote hello.txt' });
    expect(first.sessionId).toMatch(/^ses_/);
    expect(await readFile(path.join(wt, 'hello.txt'), 'utf8')).toBe('hi from the agent\n');
    expect(first.outputTail).toBe('tool write hello.txt → completed\ntext: wrote hello.txt');
    // Tokens from the two steps' step_finish events (the fake reports 10 prompt and 5 completion
    // tokens per request); opencode has no price for the fake model, so no cost.
    expect(first.usage).toEqual({ inputTokens: 20, outputTokens: 10, cacheReadTokens: 0, cacheWriteTokens: 0 });
    // While it ran, the usage so far after each step (what a cost budget watches).
    expect(seen).toEqual([
      { inputTokens: 10, outputTokens: 5, cacheReadTokens: 0, cacheWriteTokens: 0 },
      { inputTokens: 20, outputTokens: 10, cacheReadTokens: 0, cacheWriteTokens: 0 },
    ]);
    expect(await readFile(turn1.logFile, 'utf8')).toContain(`"sessionID":"${first.sessionId}"`);

    const firstTurnRequests = model.requests.filter((r) => r.workdir === wt && r.kind === 'turn');
    expect(firstTurnRequests.map((r) => r.step)).toEqual([0, 1]);
    // The prompt reaches the model verbatim (stdin), after the fixed instruction words.
    expect(userTexts(firstTurnRequests[0]!.messages)).toEqual([`Follow the instructions below.\n${prompt1}`]);
    expect(model.requests.some((r) => r.kind === 'title' && r.workdir === wt)).toBe(false); // --title given

    await writeFile(path.join(base, 'prompt.md'), 'second request: thanks\n');
    const second = await agent.run(makeTurn(base, { env, worktree: wt, sessionId: first.sessionId, logFile: path.join(base, 'logs', 'turn-2.log') }));
    expect(second).toMatchObject({ exitCode: 0, sessionId: first.sessionId, summary: 'second turn done' });
    expect(second.sessionRejected).toBeUndefined();
    const last = model.requests.at(-1)!;
    expect(last.workdir).toBe(wt);
    expect(userTexts(last.messages)).toEqual([`Follow the instructions below.\n${prompt1}`, 'Follow the instructions below.\nsecond request: thanks\n']);
    expect(last.messages.some((m) => m.role === 'assistant' && m.tool_calls?.[0]?.function.name === 'write')).toBe(true);
  });

  it('marks a session opencode does not know as rejected, so the caller can retry fresh', async () => {
    const wt = await repo('bad-session');
    const base = path.dirname(wt);
    await writeFile(path.join(base, 'prompt.md'), 'anything\n');
    const before = model.requests.length;
    const outcome = await agent.run(makeTurn(base, { env, worktree: wt, sessionId: '--help' }));
    expect(outcome).toMatchObject({ exitCode: 1, sessionRejected: true, sessionId: undefined, timedOut: false });
    expect(outcome.summary).toBe('opencode rejected session --help (Session not found); run the turn again without a session');
    expect(outcome.outputTail).toContain('Error: Session not found');
    expect(model.requests.length).toBe(before);
  });

  it('kills the whole process group when the model sends headers then nothing, at the turn timeout', async () => {
    const wt = await repo('stall');
    const base = path.dirname(wt);
    model.route(wt, () => ({ stall: true }));
    await writeFile(path.join(base, 'prompt.md'), 'anything\n');
    // Long enough for opencode to start and ask on a busy machine; only the timeout ends the turn.
    const outcome = await agent.run(makeTurn(base, { env, worktree: wt, timeoutMs: 45_000 }));
    expect(outcome).toMatchObject({ timedOut: true, canceled: false });
    expect(model.requests.some((r) => r.workdir === wt && r.kind === 'turn' && 'stall' in r.reply)).toBe(true);
    expect(hostProcessesWith(wt)).toEqual([]);
  }, 120_000);

  it('builds argv with option values joined by "=" and the prompt never in argv', () => {
    const turn = makeTurn('/tmp/x', { sessionId: 'ses_abc' });
    expect(opencodeArgs(turn, { model: 'mock/scripted', extraArgs: ['--agent=build'] })).toEqual([
      'run',
      '--format',
      'json',
      '--title=kugetsu acme/app#7',
      '--session=ses_abc',
      '--model=mock/scripted',
      '--agent=build',
      '--',
      'Follow',
      'the',
      'instructions',
      'below.',
    ]);
  });
});
