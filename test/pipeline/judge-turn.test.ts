import { describe, expect, it } from 'vitest';
import type { AgentOutcome } from '../../src/agents/types.js';
import type { JobResult } from '../../src/domain/job.js';
import { judgeTurn, type TurnFacts } from '../../src/pipeline/judge-turn.js';

const clean: AgentOutcome = { exitCode: 0, signal: null, timedOut: false, canceled: false, durationMs: 1200, sessionId: 'ses_1', outputTail: 'done' };
const base: JobResult = { exitCode: 0, timedOut: false, canceled: false, durationMs: 1200, sessionId: 'ses_1', outputTail: 'done', newCommits: 0, pushed: false };
const usage = (inputTokens: number, costUsd: number) => ({ inputTokens, outputTokens: 100, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd });
const redact = (text: string) => text.replaceAll('hunter2', '***');
const facts = (more: Partial<TurnFacts> = {}): TurnFacts => ({ base, budgetExceeded: undefined, maxTurnCostUsd: undefined, timeoutMs: 600_000, aborted: false, redact, ...more });

describe('judgeTurn', () => {
  it('a clean exit has no verdict: the turn goes on to publish its commits', () => {
    expect(judgeTurn(clean, facts())).toBeUndefined();
    // A rejected session with a clean retry is not an agent error.
    expect(judgeTurn({ ...clean, sessionRejected: true, agentError: 'Session not found' }, facts())).toBeUndefined();
  });

  it('a turn kugetsu stopped for its cost fails with the budget as the reason and keeps the larger of the usages', () => {
    const spent = usage(1000, 0.75);
    const verdict = judgeTurn(
      { ...clean, canceled: true, exitCode: null, signal: 'SIGTERM' },
      facts({ budgetExceeded: spent, maxTurnCostUsd: 0.5, base: { ...base, usage: usage(900, 0.6) } }),
    );
    expect(verdict?.state).toBe('failed');
    expect(verdict?.result).toMatchObject({ stoppedBy: 'budget', failedPhase: 'agent', usage: spent });
    expect(verdict?.result.error).toContain('limit of');
    expect(verdict?.result.error).toContain('max_turn_cost_usd');
    const later = usage(1200, 0.9);
    expect(judgeTurn({ ...clean, canceled: true }, facts({ budgetExceeded: spent, maxTurnCostUsd: 0.5, base: { ...base, usage: later } }))?.result.usage).toEqual(later);
  });

  it('a budget stop that coincides with a cancel of the job itself is a cancel', () => {
    const verdict = judgeTurn({ ...clean, canceled: true }, facts({ budgetExceeded: usage(5000, 2), maxTurnCostUsd: 1, aborted: true }));
    expect(verdict).toMatchObject({ state: 'canceled', result: { failedPhase: 'agent' } });
    expect(verdict?.result.stoppedBy).toBeUndefined();
  });

  it('input and start problems, timeouts, agent errors and exit codes fail in that order, with masked agent text', () => {
    expect(judgeTurn({ ...clean, inputError: 'argument too long: hunter2', startError: 'ENOENT' }, facts())?.result).toMatchObject({
      failedPhase: 'prompt',
      error: 'argument too long: ***',
    });
    expect(judgeTurn({ ...clean, startError: 'spawn opencode ENOENT', timedOut: true }, facts())?.result).toMatchObject({ failedPhase: 'agent', error: 'spawn opencode ENOENT' });
    expect(judgeTurn({ ...clean, timedOut: true, exitCode: null }, facts({ timeoutMs: 90_000 }))?.result.error).toContain('90 s limit');
    expect(judgeTurn({ ...clean, agentError: 'model said hunter2', exitCode: 0 }, facts())?.result.error).toBe('model said ***. Nothing was pushed; see the output below.');
    expect(judgeTurn({ ...clean, exitCode: 3 }, facts())?.result.error).toContain('exited with code 3');
    expect(judgeTurn({ ...clean, exitCode: null, signal: 'SIGKILL' }, facts())?.result.error).toContain('signal SIGKILL');
  });
});
