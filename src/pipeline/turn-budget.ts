import type { TurnUsage } from '../domain/turn-usage.js';

/**
 * Kugetsu's own `max_turn_cost_usd` of one running turn: fed the agent's usage so far
 * (`AgentTurn.onUsage`), it prices it (the agent's cost, else `price`, the operator's price table)
 * and, once the cost passes `maxUsd` (US dollars), aborts {@link signal} — the turn's signal, which
 * also follows the job's own `signal` (a cancel, a shutdown, a lost lease, with their reasons), so
 * the adapter kills the agent's process group as for a cancel. A turn whose cost stays unknown
 * (no cost from the agent, no price for its model) cannot be held to a cost budget.
 */
export class TurnBudget {
  private readonly controller = new AbortController();
  private readonly follow: () => void;
  /** The last priced usage seen (US dollars in `costUsd` when known). */
  last: TurnUsage | undefined;
  /** Set once the cost passed the budget: the usage (with its cost) that passed it. */
  exceeded: (TurnUsage & { costUsd: number }) | undefined;

  /**
   * @param maxUsd the budget in US dollars, `undefined` for none (then only the job's signal counts)
   * @param price the usage with its cost in USD (the agent's, else the price table's), or as given when unknown
   * @param jobSignal the job's own abort signal, followed with its reason
   */
  constructor(
    readonly maxUsd: number | undefined,
    private readonly price: (usage: TurnUsage) => TurnUsage,
    private readonly jobSignal: AbortSignal,
  ) {
    this.follow = () => this.controller.abort(jobSignal.reason);
    if (jobSignal.aborted) this.follow();
    else jobSignal.addEventListener('abort', this.follow, { once: true });
  }

  /** The signal to give the turn (`AgentTurn.signal`). */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** `AgentTurn.onUsage`: prices `usage` and stops the turn when its cost passes the budget. Never throws. */
  observe(usage: TurnUsage): void {
    const priced = this.price(usage);
    this.last = priced;
    if (this.maxUsd === undefined || this.exceeded || priced.costUsd === undefined || priced.costUsd <= this.maxUsd) return;
    if (this.controller.signal.aborted) return;
    this.exceeded = { ...priced, costUsd: priced.costUsd };
    this.controller.abort(new Error(`the turn's cost passed its budget of ${this.maxUsd} USD`));
  }

  /** Stops following the job's signal (after the turn). */
  dispose(): void {
    this.jobSignal.removeEventListener('abort', this.follow);
  }
}
