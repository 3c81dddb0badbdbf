import { describe, expect, it } from 'vitest';
import { ClaudeEvents } from '../../src/agents/claude-events.js';
import { CodexEvents } from '../../src/agents/codex-events.js';
import { OpencodeEvents } from '../../src/agents/opencode-events.js';
import { sumUsage, type TurnUsage } from '../../src/domain/turn-usage.js';
import { TurnBudget } from '../../src/pipeline/turn-budget.js';
import { formatUsage, formatUsd } from '../../src/report/format-usage.js';

describe("usage from each agent's final events", () => {
  it("Claude Code: this run's tokens, and the cost since the last result rather than the session total", () => {
    const e = new ClaudeEvents();
    e.line('{"type":"system","subtype":"init","session_id":"s1","model":"claude-sonnet-4-5"}');
    e.line(
      JSON.stringify({
        type: 'result',
        is_error: false,
        session_id: 's1',
        total_cost_usd: 0.9,
        usage: { input_tokens: 12, output_tokens: 34, cache_read_input_tokens: 56, cache_creation_input_tokens: 78 },
        model_usage_since_last_result: { 'claude-sonnet-4-5': { costUSD: 0.25 }, 'claude-haiku-4-5': { costUSD: 0.05 } },
      }),
    );
    expect(e.usage()).toEqual({ inputTokens: 12, outputTokens: 34, cacheReadTokens: 56, cacheWriteTokens: 78, costUsd: 0.3, costSource: 'agent', model: 'claude-sonnet-4-5' });
    expect(e.failed).toBe(false);
  });

  it('Claude Code: total_cost_usd when nothing finer is given; is_error wins over subtype "success"', () => {
    const e = new ClaudeEvents();
    expect(e.line('{"type":"result","subtype":"success","is_error":true,"result":"API Error: 400 nope","total_cost_usd":0.01,"usage":{}}')).toBe('error: API Error: 400 nope');
    expect(e.failed).toBe(true);
    expect(e.usage()).toEqual({ inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 0.01, costSource: 'agent' });
  });

  it("Codex: running totals less the thread's totals before the turn; cached input split from input", () => {
    const e = new CodexEvents();
    e.line('{"type":"thread.started","thread_id":"t1"}');
    e.line('{"type":"turn.completed","usage":{"input_tokens":300,"cached_input_tokens":150,"cache_write_input_tokens":0,"output_tokens":60}}');
    expect(e.usage({ input: 200, cached: 100, cacheWrite: 0, output: 40 })).toEqual({ inputTokens: 50, outputTokens: 20, cacheReadTokens: 50, cacheWriteTokens: 0 });
    expect(e.usage()).toEqual({ inputTokens: 150, outputTokens: 60, cacheReadTokens: 150, cacheWriteTokens: 0 });
  });

  it("Codex: turn.failed carries the provider's message", () => {
    const e = new CodexEvents();
    e.line('{"type":"turn.failed","error":{"message":"{\\"error\\":{\\"message\\":\\"quota exceeded\\"}}"}}');
    expect(e).toMatchObject({ failed: true, failure: 'quota exceeded' });
    expect(e.usage()).toBeUndefined();
  });

  it('opencode: the sum of step_finish tokens; a zero cost is no cost', () => {
    const e = new OpencodeEvents();
    const step = (cost: number) =>
      JSON.stringify({ type: 'step_finish', sessionID: 's', part: { type: 'step-finish', tokens: { input: 10, output: 5, reasoning: 2, cache: { read: 3, write: 1 } }, cost } });
    e.line(step(0));
    e.line(step(0));
    expect(e.usage).toEqual({ inputTokens: 20, outputTokens: 14, cacheReadTokens: 6, cacheWriteTokens: 2 });
    e.line(step(0.002));
    expect(e.usage).toMatchObject({ inputTokens: 30, costUsd: 0.002, costSource: 'agent' });
  });
});

describe('usage while the turn runs (AgentTurn.onUsage)', () => {
  it("Claude Code: each assistant message's usage once (repeated on its blocks), summed, then the result line with cost", () => {
    const seen: TurnUsage[] = [];
    const e = new ClaudeEvents((u) => seen.push(u));
    e.line('{"type":"system","subtype":"init","session_id":"s1","model":"claude-sonnet-4-5"}');
    const usage = { input_tokens: 100, output_tokens: 20, cache_read_input_tokens: 50, cache_creation_input_tokens: 10 };
    e.line(JSON.stringify({ type: 'assistant', message: { id: 'm1', content: [{ type: 'text', text: 'looking' }], usage } }));
    e.line(JSON.stringify({ type: 'assistant', message: { id: 'm1', content: [{ type: 'tool_use', name: 'Write', input: { file_path: 'a' } }], usage } }));
    e.line(JSON.stringify({ type: 'assistant', message: { id: 'm2', content: [{ type: 'text', text: 'done' }], usage: { ...usage, output_tokens: 5 } } }));
    const tokens = (input: number, output: number, read: number, write: number) => ({
      inputTokens: input,
      outputTokens: output,
      cacheReadTokens: read,
      cacheWriteTokens: write,
      model: 'claude-sonnet-4-5',
    });
    expect(seen).toEqual([tokens(100, 20, 50, 10), tokens(100, 20, 50, 10), tokens(200, 25, 100, 20)]);
    expect(e.streamedUsage()).toEqual(tokens(200, 25, 100, 20));
    e.line(
      JSON.stringify({
        type: 'result',
        is_error: false,
        total_cost_usd: 0.42,
        usage: { input_tokens: 200, output_tokens: 25, cache_read_input_tokens: 100, cache_creation_input_tokens: 20 },
      }),
    );
    expect(seen.at(-1)).toEqual({ ...tokens(200, 25, 100, 20), costUsd: 0.42, costSource: 'agent' });
  });

  it('opencode: the sum so far after every step_finish, with its cost', () => {
    const seen: TurnUsage[] = [];
    const e = new OpencodeEvents((u) => seen.push({ ...u }));
    e.line('{"type":"step_finish","sessionID":"ses_1","part":{"tokens":{"input":10,"output":5,"reasoning":0,"cache":{"read":0,"write":0}},"cost":0.5}}');
    e.line('{"type":"step_finish","sessionID":"ses_1","part":{"tokens":{"input":10,"output":5,"reasoning":1,"cache":{"read":2,"write":0}},"cost":0.75}}');
    expect(seen).toEqual([
      { inputTokens: 10, outputTokens: 5, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 0.5, costSource: 'agent' },
      { inputTokens: 20, outputTokens: 11, cacheReadTokens: 2, cacheWriteTokens: 0, costUsd: 1.25, costSource: 'agent' },
    ]);
  });
});

describe('TurnBudget (max_turn_cost_usd of a running turn)', () => {
  const tokens = { inputTokens: 1000, outputTokens: 100, cacheReadTokens: 0, cacheWriteTokens: 0 };
  // The price table of the test: $1 per 1,000 input or output tokens.
  const price = (u: TurnUsage): TurnUsage => (u.costUsd !== undefined ? u : { ...u, costUsd: (u.inputTokens + u.outputTokens) / 1000, costSource: 'prices' });

  it('stops the turn once the priced cost passes the budget (not when it reaches it), and keeps what passed it', () => {
    const job = new AbortController();
    const budget = new TurnBudget(2.2, price, job.signal);
    budget.observe(tokens);
    budget.observe({ ...tokens, inputTokens: 2100 });
    expect(budget.signal.aborted).toBe(false);
    expect(budget.exceeded).toBeUndefined();
    budget.observe({ ...tokens, inputTokens: 2101, costUsd: 2.21, costSource: 'agent' });
    expect(budget.signal.aborted).toBe(true);
    expect(budget.exceeded).toEqual({ ...tokens, inputTokens: 2101, costUsd: 2.21, costSource: 'agent' });
    expect(job.signal.aborted).toBe(false);
    budget.dispose();
  });

  it("cannot hold a turn whose cost stays unknown; without a budget it only follows the job's signal, with its reason", () => {
    const job = new AbortController();
    const unknown = new TurnBudget(0.01, (u) => u, job.signal);
    unknown.observe({ ...tokens, inputTokens: 1e9 });
    expect(unknown.signal.aborted).toBe(false);
    expect(unknown.last).toEqual({ ...tokens, inputTokens: 1e9 });
    const none = new TurnBudget(undefined, price, job.signal);
    none.observe({ ...tokens, inputTokens: 1e9 });
    expect(none.exceeded).toBeUndefined();
    const reason = new Error('shutdown');
    job.abort(reason);
    expect(none.signal.aborted).toBe(true);
    expect(none.signal.reason).toBe(reason);
    expect(none.exceeded).toBeUndefined();
  });
});

describe('issue totals and their rendering', () => {
  const t = (costUsd?: number) => ({ inputTokens: 1000, outputTokens: 200, cacheReadTokens: 5000, cacheWriteTokens: 0, ...(costUsd !== undefined ? { costUsd } : {}) });

  it('sums tokens of the turns that reported usage, and says when some cost is unknown', () => {
    expect(sumUsage([t(0.5), undefined, t(0.25)])).toEqual({
      inputTokens: 2000,
      outputTokens: 400,
      cacheReadTokens: 10000,
      cacheWriteTokens: 0,
      costUsd: 0.75,
      turns: 2,
      costComplete: true,
    });
    expect(sumUsage([t(0.5), t()])).toMatchObject({ costUsd: 0.5, turns: 2, costComplete: false });
    expect(sumUsage([t(), t()])).not.toHaveProperty('costUsd');
    expect(sumUsage([undefined])).toBeUndefined();
  });

  it('renders tokens with thousands separators and dollars to 4 places under $1', () => {
    expect(formatUsage({ ...t(0.01234), costSource: 'prices' })).toBe('1,000 in · 200 out · 5,000 cache read · 0 cache write · $0.0123 (price table)');
    expect(formatUsage(t())).toBe('1,000 in · 200 out · 5,000 cache read · 0 cache write · cost unknown');
    expect(formatUsage(t(2.5), { costPartial: true })).toBe('1,000 in · 200 out · 5,000 cache read · 0 cache write · $2.50 (some turns without cost)');
    expect(formatUsd(0.00001)).toBe('$0.0000');
  });
});
