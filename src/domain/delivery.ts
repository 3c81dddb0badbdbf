/**
 * One webhook POST as kugetsu received it, after the signature was verified and the body parsed.
 * Header facts: Gitea v1.25.4 `services/webhook/deliver.go` `addDefaultHeaders()`.
 */
export interface Delivery {
  /** `X-Gitea-Delivery` (a UUID); a local id `local-<uuid>` when the sender gave none. */
  id: string;
  /** Fine event type, `X-Gitea-Event-Type`, e.g. `issue_label`, `pull_request_comment`. */
  eventType: string;
  /** Coarse event group, `X-Gitea-Event` (logged only; never routed on). */
  event: string | undefined;
  /** `X-Gitea-Hook-Installation-Target-Type` (Gitea ≥ 1.24): repository, organization, user, system, default. */
  targetType: string | undefined;
  /** The parsed JSON body; validated later by `events/`. */
  payload: unknown;
  /** Size of the raw body in bytes. */
  size: number;
  /**
   * Lowercase hex SHA-256 of the raw body: identical for a replay and for each hook's copy of one
   * event. The door computes it on first read (a getter), so a delivery kugetsu ignores is not hashed.
   */
  bodySha256: string;
  receivedAt: Date;
  /**
   * The instance the delivery came from, by the path it was posted to (`/webhooks/<name>`): its
   * name when it is not the first instance (absent: the first, `/webhooks/gitea`).
   */
  instance?: string | undefined;
  /** The host of that instance when several are configured (issue keys are then qualified with it). */
  host?: string | undefined;
}

/**
 * What the pipeline made of a delivery, turned into the HTTP answer by the ingress:
 * `accepted` → 202, `deferred` → 202 (kept; Gitea could not confirm it yet, so it is confirmed
 * and acted on later), `ignored` → 200, `rejected` → 400 (the payload lacks fields kugetsu needs).
 */
export type DeliveryResult =
  | { status: 'accepted'; jobId: string; issueKey: string }
  | { status: 'deferred'; reason: string }
  | { status: 'ignored'; reason: string }
  | { status: 'rejected'; reason: string };

/**
 * How the door answered a delivery: `accepted` (202, a job), `deferred` (202, confirmed later),
 * `ignored` (200), `rejected` (400), `unauthorized` (401), `too-large` (413),
 * `unsupported-type` (415), `unavailable` (503: shutting down or too many at once), `error` (500).
 */
export type DeliveryOutcome = 'accepted' | 'deferred' | 'ignored' | 'rejected' | 'unauthorized' | 'too-large' | 'unsupported-type' | 'unavailable' | 'error';
