import type { TurnUsage } from '../domain/turn-usage.js';
import type { AgentTurn } from './types.js';

/**
 * Hands the turn's usage so far to {@link AgentTurn.onUsage} (a copy, so the listener cannot change
 * the adapter's sum); a listener's throw is ignored (the turn goes on; its own failure is its own).
 */
export function reportUsage(turn: Pick<AgentTurn, 'onUsage'>, usage: TurnUsage | undefined): void {
  if (!turn.onUsage || !usage) return;
  try {
    turn.onUsage({ ...usage });
  } catch {
    // The listener's failure is its own.
  }
}
