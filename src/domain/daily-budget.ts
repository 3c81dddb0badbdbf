/** A repository's daily budget reached: what its waiting job's status comment says, and until when. */
export interface BudgetWait {
  /** e.g. `$5.12 of $5.00 spent today, resumes at 00:00 UTC`. */
  detail: string;
  /** The next 00:00 UTC after the claim, ISO 8601. */
  until: string;
}

const DAY_MS = 86_400_000;

/** 00:00 UTC of the day `nowMs` (ms since the epoch) falls in, ISO 8601: where "today" starts for a daily budget. */
export function utcDayStart(nowMs: number): string {
  return new Date(Math.floor(nowMs / DAY_MS) * DAY_MS).toISOString();
}

/** The next 00:00 UTC after `nowMs` (ms since the epoch), ISO 8601: when a daily budget is fresh again. */
export function nextUtcMidnight(nowMs: number): string {
  return new Date((Math.floor(nowMs / DAY_MS) + 1) * DAY_MS).toISOString();
}

/** US dollars as `$5.12` (two decimals; four below one cent, so that a small spend is not shown as `$0.00`). */
export function formatBudgetUsd(usd: number): string {
  return `$${usd > 0 && usd < 0.01 ? usd.toFixed(4) : usd.toFixed(2)}`;
}

/**
 * The wait of a job whose repository spent `spentUsd` (its turns finished since 00:00 UTC today)
 * of a daily budget of `limitUsd` (USD), at `nowMs`: `undefined` while `spentUsd < limitUsd`, else
 * a wait until the next 00:00 UTC. Budgets are per UTC day, whatever the machine's time zone.
 */
export function overDailyBudget(spentUsd: number, limitUsd: number | undefined, nowMs: number): BudgetWait | undefined {
  if (limitUsd === undefined || spentUsd < limitUsd) return undefined;
  return { detail: `${formatBudgetUsd(spentUsd)} of ${formatBudgetUsd(limitUsd)} spent today, resumes at 00:00 UTC`, until: nextUtcMidnight(nowMs) };
}
