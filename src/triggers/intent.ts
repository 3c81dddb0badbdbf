import type { DelegationRequest } from '../domain/delegation.js';

export type { DelegationRequest } from '../domain/delegation.js';

/**
 * A `/kugetsu` subcommand (or a near miss of one), with the context of the comment it came in;
 * `request.message` is empty. `label-removed`: a person took the trigger label off the issue (a
 * queued label job is canceled).
 */
export type ControlAction = { action: 'help' | 'status' | 'stop' | 'retry' | 'reset' } | { action: 'suggest'; word: string; suggestion: string } | { action: 'label-removed' };

/** What routing an event gives: work to delegate, a control action, or the reason there is none. */
export type Intent = { kind: 'delegate'; delegation: DelegationRequest } | ({ kind: 'control'; request: DelegationRequest } & ControlAction) | { kind: 'ignore'; reason: string };
