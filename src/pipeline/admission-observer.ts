import type { TriggerKind } from '../domain/delegation.js';
import type { AccessRefusal } from '../triggers/access-policy.js';

/**
 * Why a delegation was refused, as a fixed code (a metric label; never free text):
 * the access policy's codes (`deny-list`, `allow-list`, `role`), `permission-unreadable` (kugetsu's
 * account may not read the sender's permission: Gitea answered 403) and `issue-queue-full`
 * (`KUGETSU_MAX_QUEUED_PER_ISSUE`).
 */
export type RefusalReason = AccessRefusal | 'permission-unreadable' | 'issue-queue-full';

/** Told about admissions and refusals by the dispatcher (metrics). Must not throw. */
export interface AdmissionObserver {
  /** A job was admitted (a new one, not a duplicate), by the kind of trigger that asked. */
  admitted(trigger: TriggerKind): void;
  /** A delegation or control command was refused. */
  refused(reason: RefusalReason): void;
}
