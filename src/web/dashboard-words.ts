import type { JobState as DomainJobState } from '../domain/job-state.js';
import type { TriggerKind } from '../domain/delegation.js';

/** A job's state (`queued`, `waiting`, `running`, `succeeded`, `failed`, `canceled`). */
export type JobState = DomainJobState;
/** How a request came: `label`, `command` or `review`. */
export type TriggerKindName = TriggerKind;
/** Where a queued job waits: behind its issue's older job, for a slot, or until a time. */
export type WaitPlace = 'waiting-for-issue' | 'waiting-for-slot' | 'waiting';
