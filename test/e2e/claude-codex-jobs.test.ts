import { tmpdir } from 'node:os';
import { writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxGit } from '../../src/sandbox/local-origin.js';
import { startFakeAnthropicModel } from '../../src/sandbox/fake-anthropic-model.js';
import { startFakeResponsesModel } from '../../src/sandbox/fake-responses-model.js';
import type { ScriptedModel } from '../../src/sandbox/fake-model-common.js';
import { createWorkerWorld, type WorkerWorld } from '../support/worker-world.js';
import { claudeEnv, codexEnv, everythingSent } from '../support/cli-agent-env.js';

const BRANCH = 'kugetsu/issue-1';

/**
 * Through kugetsu, with the real CLIs in the real sandbox: a label → the agent writes a file →
 * kugetsu commits and pushes → "succeeded" with tokens and cost in the status comment; a /kugetsu
 * follow-up continues the same session (the model sees the first turn) and the comment adds up the issue.
 */
describe('Claude Code through kugetsu (fake Anthropic model)', () => {
  const dir = path.join(tmpdir(), `kugetsu-claude-jobs-${process.pid}-${Date.now()}`);
  let world: WorkerWorld;
  let model: ScriptedModel;
  beforeAll(async () => {
    model = await startFakeAnthropicModel({
      script: (ctx) => {
        if (/goodbye/i.test(ctx.userText))
          return ctx.step === 0 ? { tool: 'Edit', args: { file_path: `${ctx.workdir}/GREETING.md`, old_string: 'Hello', new_string: 'Goodbye' } } : { text: 'Said goodbye.' };
        return ctx.step === 0 ? { tool: 'Write', args: { file_path: `${ctx.workdir}/GREETING.md`, content: 'Hello from Claude\n' } } : { text: 'Created GREETING.md.' };
      },
    });
    world = await createWorkerWorld(dir, {
      env: claudeEnv(model.url),
    });
  });
  afterAll(async () => {
    await world?.close();
    await model?.close();
  });

  it('label → file committed and pushed with tokens and cost; /kugetsu → same session, issue total', async () => {
    await world.startWorker('a');
    const job1 = await world.finished(await world.label(1));
    expect(job1).toMatchObject({ state: 'succeeded', agent: 'claude', result: { exitCode: 0, pushed: true, newCommits: 1, summary: 'Created GREETING.md.' } });
    expect(sandboxGit(world.sandbox.origin, ['show', `${BRANCH}:GREETING.md`])).toBe('Hello from Claude');
    const usage1 = job1.result!.usage!;
    expect(usage1).toMatchObject({ inputTokens: 200, outputTokens: 40, cacheReadTokens: 100, cacheWriteTokens: 20, costSource: 'agent' });
    expect(usage1.costUsd).toBeGreaterThan(0);
    const comment1 = await world.statusComment(1, job1.id, '· succeeded');
    expect(comment1).toContain('| Tokens (this turn) | 200 in · 40 out · 100 cache read · 20 cache write · $');

    const job2 = await world.finished(await world.comment(1, '/kugetsu please say goodbye'));
    expect(job2).toMatchObject({ state: 'succeeded', result: { pushed: true, sessionId: job1.result!.sessionId } });
    expect(sandboxGit(world.sandbox.origin, ['show', `${BRANCH}:GREETING.md`])).toBe('Goodbye from Claude');
    const last = model.requests.filter((r) => r.kind === 'turn').at(-1)!;
    expect(last.userTexts).toHaveLength(2);
    expect(last.userTexts[0]).toContain('Please add a GREETING.md that says hello.');
    const comment2 = await world.statusComment(1, job2.id, '· succeeded');
    // Both turns made two requests (a tool call, then text): the issue's total is twice the first turn.
    expect(job2.result!.usage).toMatchObject({ inputTokens: 200, outputTokens: 40 });
    expect(comment2).toContain(`| Tokens (issue, 2 turns) | 400 in · 80 out · 200 cache read · 40 cache write · $${(usage1.costUsd! + job2.result!.usage!.costUsd!).toFixed(4)} |`);

    // Neither kugetsu's Gitea token nor its webhook secret ever reached the model.
    expect(everythingSent(model)).not.toContain(world.sandbox.gitea.fake.token);
  }, 180_000);

  it("a model error fails the job with the agent's own message", async () => {
    const fake = world.sandbox.gitea.fake;
    const issue = fake.addIssue('demo/hello', { title: 'Refused', body: 'The model refuses this one.', author: 'alice', labels: ['ready'], labeledBy: 'alice' });
    model.route(path.join(world.stateDir('a'), 'worktrees', 'demo', 'hello', `issue-${issue.number}`), () => ({
      httpError: { status: 400, message: 'fake model: prompt refused' },
    }));
    const job = await world.finished(await world.label(issue.number));
    expect(job).toMatchObject({ state: 'failed', result: { failedPhase: 'agent', pushed: false } });
    expect(job.result!.error).toContain('fake model: prompt refused');
  }, 120_000);
});

describe('Codex through kugetsu (fake Responses model, price table)', () => {
  const dir = path.join(tmpdir(), `kugetsu-codex-jobs-${process.pid}-${Date.now()}`);
  let world: WorkerWorld;
  let model: ScriptedModel;
  beforeAll(async () => {
    model = await startFakeResponsesModel({
      script: (ctx) => {
        if (/goodbye/i.test(ctx.userText))
          return ctx.step === 0 ? { tool: 'exec_command', args: { cmd: "env > /tmp/env.txt; printf 'Goodbye from Codex\\n' > GREETING.md" } } : { text: 'Said goodbye.' };
        return ctx.step === 0 ? { tool: 'exec_command', args: { cmd: "printf 'Hello from Codex\\n' > GREETING.md; env" } } : { text: 'Created GREETING.md.' };
      },
    });
    mkdirSync(dir, { recursive: true });
    const prices = path.join(dir, 'prices.yaml');
    writeFileSync(prices, 'models:\n  gpt-5.5: {input: 1.25, output: 10, cache_read: 0.125}\n');
    world = await createWorkerWorld(dir, {
      env: {
        ...codexEnv(model.url),
        KUGETSU_PRICES_FILE: prices,
      },
    });
  });
  afterAll(async () => {
    await world?.close();
    await model?.close();
  });

  it('label → file committed and pushed, cost from the price table; /kugetsu → same thread; no secret in the agent env', async () => {
    await world.startWorker('a');
    const job1 = await world.finished(await world.label(1));
    expect(job1).toMatchObject({ state: 'succeeded', agent: 'codex', result: { exitCode: 0, pushed: true, newCommits: 1, summary: 'Created GREETING.md.' } });
    expect(sandboxGit(world.sandbox.origin, ['show', `${BRANCH}:GREETING.md`])).toBe('Hello from Codex');
    // Two requests of 100 input (50 cached) and 20 output tokens: 100 uncached in, 100 cached, 40 out.
    expect(job1.result!.usage).toEqual({
      inputTokens: 100,
      outputTokens: 40,
      cacheReadTokens: 100,
      cacheWriteTokens: 0,
      model: 'gpt-5.5',
      costUsd: (100 * 1.25 + 40 * 10 + 100 * 0.125) / 1e6,
      costSource: 'prices',
    });
    const comment1 = await world.statusComment(1, job1.id, '· succeeded');
    expect(comment1).toContain('| Tokens (this turn) | 100 in · 40 out · 100 cache read · 0 cache write · $0.0005 (price table) · `gpt-5.5` |');

    // The env the agent's command saw went back to the model as the tool output: the API key it
    // needs is there, kugetsu's Gitea token is not.
    const toolOutput = JSON.stringify(model.requests.filter((r) => r.kind === 'turn')[1]!.body.input);
    expect(toolOutput).toContain('FAKE_API_KEY=sk-fake-openai');
    expect(toolOutput).not.toContain(world.sandbox.gitea.fake.token);
    expect(toolOutput).not.toMatch(/GITEA_TOKEN|KUGETSU_/);

    const job2 = await world.finished(await world.comment(1, '/kugetsu please say goodbye'));
    expect(job2).toMatchObject({ state: 'succeeded', result: { pushed: true, sessionId: job1.result!.sessionId } });
    expect(sandboxGit(world.sandbox.origin, ['show', `${BRANCH}:GREETING.md`])).toBe('Goodbye from Codex');
    const last = model.requests.filter((r) => r.kind === 'turn').at(-1)!;
    expect(last.userTexts).toHaveLength(2);
    // This turn's own tokens (Codex reports the thread's running totals): again two requests.
    expect(job2.result!.usage).toMatchObject({ inputTokens: 100, outputTokens: 40, cacheReadTokens: 100, costSource: 'prices' });
    const comment2 = await world.statusComment(1, job2.id, '· succeeded');
    expect(comment2).toContain('| Tokens (issue, 2 turns) | 200 in · 80 out · 200 cache read · 0 cache write · $0.0011 |');
    expect(everythingSent(model)).not.toContain(world.sandbox.gitea.fake.token);
  }, 180_000);
});
