import type { AgentOutcome } from '../agents/types.js';
import { formatBudgetUsd } from '../domain/daily-budget.js';
import type { JobResult } from '../domain/job.js';
import type { TurnUsage } from '../domain/turn-usage.js';
import type { Redactor } from '../log/redact.js';
import { formatUsage } from '../report/format-usage.js';

/** A turn the agent did not end well: the job's final state and its result, with the phase and a message for people. */
export interface TurnVerdict {
  state: 'failed' | 'canceled';
  result: JobResult;
}

/** What {@link judgeTurn} looks at besides the agent's outcome. */
export interface TurnFacts {
  /** The result so far (exit code, duration, session, output tail, usage), nothing pushed yet. */
  base: JobResult;
  /** Set when kugetsu stopped the turn for its cost: the usage (cost in USD) that passed `maxTurnCostUsd`. */
  budgetExceeded: (TurnUsage & { costUsd: number }) | undefined;
  /** The repository's per-turn budget in USD (with `budgetExceeded`). */
  maxTurnCostUsd: number | undefined;
  /** The agent's time limit, ms. */
  timeoutMs: number;
  /** True when the job's own signal was aborted (a cancel, a shutdown, a lost lease). */
  aborted: boolean;
  redact: Redactor;
}

/**
 * How an agent's turn ended, before anything is published: `undefined` when the agent exited 0
 * with no error (the turn's commits are published next), else the failed or canceled verdict, in
 * this order of precedence: stopped by kugetsu for its cost (failed, `stoppedBy: 'budget'`, the
 * usage that passed the budget kept), canceled, the message could not be given to the agent
 * (phase `prompt`), the agent could not start, it ran past `timeoutMs`, it reported an error (not
 * a rejected session, which the runner retries afresh), it exited non-zero (or by a signal).
 * Agent texts in the result are masked with `redact`. Pure; never throws.
 */
export function judgeTurn(outcome: AgentOutcome, facts: TurnFacts): TurnVerdict | undefined {
  const { base, redact } = facts;
  const spent = facts.budgetExceeded;
  if (spent && outcome.canceled && !facts.aborted) {
    const usage = !base.usage || base.usage.costUsd === undefined || base.usage.costUsd < spent.costUsd ? spent : base.usage;
    return {
      state: 'failed',
      result: {
        ...base,
        usage,
        stoppedBy: 'budget',
        failedPhase: 'agent',
        error: `The turn's reported cost reached ${formatBudgetUsd(spent.costUsd)} (${formatUsage(spent)}), over the repository's limit of ${formatBudgetUsd(facts.maxTurnCostUsd ?? spent.costUsd)} per turn (budget.max_turn_cost_usd, or KUGETSU_MAX_TURN_COST_USD), so kugetsu stopped the agent. Nothing was pushed; the worktree and session were kept. It is not retried: ask again to continue.`,
      },
    };
  }
  const failed = (failedPhase: 'agent' | 'prompt', error: string): TurnVerdict => ({ state: 'failed', result: { ...base, failedPhase, error } });
  if (outcome.canceled) return { state: 'canceled', result: { ...base, failedPhase: 'agent', error: 'The job was canceled; the worktree was kept.' } };
  if (outcome.inputError) return failed('prompt', redact(outcome.inputError));
  if (outcome.startError) return failed('agent', redact(outcome.startError));
  if (outcome.timedOut) {
    return failed(
      'agent',
      `The agent ran longer than the ${Math.round(facts.timeoutMs / 1000)} s limit and was stopped (KUGETSU_AGENT_TIMEOUT_S, or the repository's agent.timeout_s). Nothing was pushed.`,
    );
  }
  if (outcome.agentError !== undefined && !outcome.sessionRejected) return failed('agent', `${redact(outcome.agentError)}. Nothing was pushed; see the output below.`);
  if (outcome.exitCode !== 0) return failed('agent', `The agent exited with code ${outcome.exitCode ?? `signal ${outcome.signal}`}. Nothing was pushed; see the output below.`);
  return undefined;
}
