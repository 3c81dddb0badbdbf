import { tmpdir } from 'node:os';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeAnthropicModel } from '../../src/sandbox/fake-anthropic-model.js';
import type { ScriptedModel } from '../../src/sandbox/fake-model-common.js';
import { createWorkerWorld, type WorkerWorld } from '../support/worker-world.js';
import { claudeEnv } from '../support/cli-agent-env.js';
import { hostProcessesWith } from '../agents/support.js';
import { pollUntil } from '../faults/support/poll.js';

/**
 * Budgets through kugetsu with the real Claude Code binary and the fake Anthropic model: the model
 * answers a tool call, then stalls (only kugetsu can end the turn). Every answer costs $1.80 by the
 * price table (180 tokens at $10,000 per million), so the $1 turn budget is passed as soon as
 * Claude Code reports the first answer's usage; the $1 daily budget is then spent too.
 */
describe('budgets through kugetsu (Claude Code, fake Anthropic model, price table)', () => {
  const dir = path.join(tmpdir(), `kugetsu-budgets-${process.pid}-${Date.now()}`);
  let world: WorkerWorld;
  let model: ScriptedModel;
  beforeAll(async () => {
    model = await startFakeAnthropicModel({
      script: (ctx) => (ctx.step === 0 ? { tool: 'Write', args: { file_path: `${ctx.workdir}/GREETING.md`, content: 'Hello\n' } } : { stall: true }),
    });
    mkdirSync(dir, { recursive: true });
    const prices = path.join(dir, 'prices.yaml');
    writeFileSync(prices, 'models:\n  "*": {input: 10000, output: 10000}\n');
    world = await createWorkerWorld(dir, {
      env: {
        ...claudeEnv(model.url),
        KUGETSU_PRICES_FILE: prices,
        KUGETSU_MAX_TURN_COST_USD: '1',
        KUGETSU_MAX_DAILY_COST_USD: '1',
        // Far beyond the test: only the budget can end the stalled turn.
        KUGETSU_AGENT_TIMEOUT_S: '600',
      },
    });
  });
  afterAll(async () => {
    await world?.close();
    await model?.close();
  });

  it('a running turn that passes max_turn_cost_usd is stopped and reported; the repository, over its daily budget, makes the next job wait', async () => {
    await world.startWorker('a');
    const job = await world.finished(await world.label(1), 90_000);
    expect(job).toMatchObject({ state: 'failed', result: { stoppedBy: 'budget', timedOut: false, pushed: false, failedPhase: 'agent' } });
    const usage = job.result!.usage!;
    expect(usage.costSource).toBe('prices');
    const tokens = usage.inputTokens + usage.outputTokens + usage.cacheReadTokens + usage.cacheWriteTokens;
    expect(tokens).toBeGreaterThan(0);
    expect(usage.costUsd).toBeCloseTo((tokens * 10_000) / 1e6, 9);
    expect(usage.costUsd).toBeGreaterThan(1);
    expect(job.result!.error).toContain(`The turn's reported cost reached $${usage.costUsd!.toFixed(2)}`);
    expect(job.result!.error).toContain("over the repository's limit of $1.00 per turn (budget.max_turn_cost_usd");
    // Kugetsu ended the turn (the model would have stalled after the tool call), and nothing of it runs on.
    expect(hostProcessesWith(path.join(world.stateDir('a'), 'worktrees', 'demo', 'hello', 'issue-1'))).toEqual([]);
    const comment = await world.statusComment(1, job.id, '· failed');
    expect(comment).toContain("**Stopped: budget.** The turn's reported cost reached $");
    expect(comment).toContain('| Agent | claude · stopped: budget |');
    expect(comment).toMatch(/\| Tokens \(this turn\) \| [\d,]+ in · [\d,]+ out · [\d,]+ cache read · [\d,]+ cache write · \$\d+\.\d+ \(price table\)/);

    // That turn's cost counts against acme's daily budget of $1: a new job waits until 00:00 UTC.
    const fake = world.sandbox.gitea.fake;
    const issue = fake.addIssue('demo/hello', { title: 'More', body: 'Another one.', author: 'alice', labels: ['ready'], labeledBy: 'alice' });
    const second = await world.label(issue.number);
    const waiting = await pollUntil(
      async () => {
        const job = await world.ingress.service.store.get(second);
        return job?.state === 'waiting' && job;
      },
      { timeoutMs: 20_000, what: `job ${second} waiting` },
    );
    const detail = `$${usage.costUsd!.toFixed(2)} of $1.00 spent today, resumes at 00:00 UTC`;
    const midnight = new Date((Math.floor(Date.now() / 86_400_000) + 1) * 86_400_000).toISOString();
    expect(waiting).toMatchObject({ state: 'waiting', waiting: { reason: 'budget', detail, until: midnight } });
    const waitComment = await world.statusComment(issue.number, second, '· waiting');
    expect(waitComment).toContain(`Waiting for budget: ${detail}. It starts by itself at ${midnight.slice(0, 16).replace('T', ' ')} UTC`);
  }, 180_000);
});
