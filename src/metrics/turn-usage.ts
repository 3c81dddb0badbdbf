/** A turn's model usage as an agent reports it: tokens and cost in USD, each when known. */
export interface TurnUsage {
  inputTokens?: number;
  outputTokens?: number;
  costUsd?: number;
}

/**
 * The usage a job result carries in `usage` (`{inputTokens?, outputTokens?, costUsd?}`, finite
 * numbers ≥ 0), or `undefined`. Read by shape: issue #14 adds `usage` to the agents' outcomes; until
 * then no result has it and the token and cost counters stay empty.
 */
export function usageOf(result: object): TurnUsage | undefined {
  const raw = (result as { usage?: unknown }).usage;
  if (typeof raw !== 'object' || raw === null) return undefined;
  const pick = (key: keyof TurnUsage): number | undefined => {
    const v = (raw as Record<string, unknown>)[key];
    return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined;
  };
  const usage: TurnUsage = {};
  const input = pick('inputTokens');
  const output = pick('outputTokens');
  const cost = pick('costUsd');
  if (input !== undefined) usage.inputTokens = input;
  if (output !== undefined) usage.outputTokens = output;
  if (cost !== undefined) usage.costUsd = cost;
  return Object.keys(usage).length > 0 ? usage : undefined;
}
