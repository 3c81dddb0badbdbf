/**
 * Tokens and cost of one agent turn (or a sum of turns), as the agent reported them.
 * `inputTokens` counts input tokens **not** read from the prompt cache (Anthropic's
 * `input_tokens`; OpenAI's `input_tokens − cached_tokens`), so that the four counts never overlap
 * and a price per million tokens applies to each. `costUsd` is in US dollars: the agent's own figure
 * (Claude Code's `total_cost_usd`, opencode's step `cost`) or, when it gives none, the operator's
 * price table (`KUGETSU_PRICES_FILE`); absent when neither knows.
 */
export interface TurnUsage {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  /** US dollars; absent when unknown. */
  costUsd?: number;
  /** Where `costUsd` came from: the agent itself, or kugetsu's price table. */
  costSource?: 'agent' | 'prices';
  /** The model the agent used (its own name for it), when it said. */
  model?: string;
}

/** The sum of `a` and `b`; the cost is summed only when both know theirs, the model kept when they agree. */
export function addUsage(a: TurnUsage, b: TurnUsage): TurnUsage {
  const out: TurnUsage = {
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    cacheReadTokens: a.cacheReadTokens + b.cacheReadTokens,
    cacheWriteTokens: a.cacheWriteTokens + b.cacheWriteTokens,
  };
  if (a.costUsd !== undefined && b.costUsd !== undefined) out.costUsd = a.costUsd + b.costUsd;
  if (a.model !== undefined && a.model === b.model) out.model = a.model;
  return out;
}

/**
 * The total of several turns' usage (`undefined` entries are skipped), with `turns` counting those
 * that had usage and `costComplete` false when one of them had no cost. `undefined` when none had usage.
 */
export function sumUsage(list: ReadonlyArray<TurnUsage | undefined>): (TurnUsage & { turns: number; costComplete: boolean }) | undefined {
  let total: TurnUsage | undefined;
  let turns = 0;
  let costComplete = true;
  let cost = 0;
  for (const u of list) {
    if (!u) continue;
    turns++;
    if (u.costUsd === undefined) costComplete = false;
    else cost += u.costUsd;
    total = total ? addUsage(total, u) : { ...u };
  }
  if (!total) return undefined;
  const { costUsd: _c, costSource: _s, ...tokens } = total;
  return { ...tokens, ...(turns > 0 && (costComplete || cost > 0) ? { costUsd: cost } : {}), turns, costComplete };
}
