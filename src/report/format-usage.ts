import type { TurnUsage } from '../domain/turn-usage.js';

const count = (n: number): string => n.toLocaleString('en-US');

/**
 * US dollars for people: 4 decimals under $1 (a turn often costs cents or less), else 2 —
 * e.g. `$0.0123`, `$1.50`. A cost below $0.00005 shows as `$0.0000`.
 */
export function formatUsd(usd: number): string {
  return `$${usd.toFixed(usd < 1 ? 4 : 2)}`;
}

/**
 * One line for tokens and cost, e.g. `1,200 in · 340 out · 5,000 cache read · 0 cache write · $0.0123`
 * (the cost marked `(price table)` when kugetsu's table gave it, `cost unknown` when nobody knows;
 * `costPartial` marks a sum some turns of which had no cost).
 */
export function formatUsage(u: TurnUsage, options: { costPartial?: boolean } = {}): string {
  const parts = [`${count(u.inputTokens)} in`, `${count(u.outputTokens)} out`, `${count(u.cacheReadTokens)} cache read`, `${count(u.cacheWriteTokens)} cache write`];
  if (u.costUsd === undefined) parts.push('cost unknown');
  else parts.push(`${formatUsd(u.costUsd)}${u.costSource === 'prices' ? ' (price table)' : ''}${options.costPartial ? ' (some turns without cost)' : ''}`);
  return parts.join(' · ');
}
