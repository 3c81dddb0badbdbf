/**
 * The job events kugetsu can notify about (POSTed as JSON to `KUGETSU_NOTIFY_URLS` and the
 * repositories' `notify.urls`):
 * - `queued`: a job was admitted (`admit`);
 * - `started`: a worker took it and its agent turn begins (`claim`);
 * - `succeeded`, `failed`, `canceled`: it finished (`finish`, `cancel`, or an interruption after
 *   its last attempt, which fails it);
 * - `interrupted`: its worker stopped (a restart, a crash); it is queued again as the next attempt;
 * - `waiting`: it waits until a time (a start rate, Gitea not answering, a budget).
 * The first five are sent by default; `interrupted` and `waiting` only when asked for.
 */
export type NotifyEvent = 'queued' | 'started' | 'succeeded' | 'failed' | 'canceled' | 'interrupted' | 'waiting';

/** Every {@link NotifyEvent}, in order of a job's life. */
export const NOTIFY_EVENTS: readonly NotifyEvent[] = ['queued', 'started', 'waiting', 'interrupted', 'succeeded', 'failed', 'canceled'];

/** The events sent when a setting names none. */
export const DEFAULT_NOTIFY_EVENTS: readonly NotifyEvent[] = ['queued', 'started', 'succeeded', 'failed', 'canceled'];

/**
 * Where one kind of notification goes: a receiver `url` (http or https), the `events` it wants,
 * and which HMAC key signs its bodies — `global` (`KUGETSU_NOTIFY_SECRET`) or `repository` (the
 * variable the repository's `notify.secret_env` names; the global key when it names none).
 */
export interface NotifyTarget {
  url: string;
  events: readonly NotifyEvent[];
  secret: 'global' | 'repository';
}

/**
 * The JSON body of a notification (what `X-Kugetsu-Signature` signs). Text fields are masked by
 * the redactor when sent. Timestamps are ISO 8601; durations in ms.
 */
export interface NotificationPayload {
  event: NotifyEvent;
  /** Stable per notification (also `X-Kugetsu-Delivery`): a receiver drops a repeat by it. */
  delivery: string;
  job: {
    id: string;
    state: string;
    attempt: number;
    /** `owner/name`. */
    repository: string;
    /**
     * The host of the repository's Gitea/Forgejo instance (e.g. `codeberg.org`), only when several
     * instances are configured: `acme/app` may then be on either.
     */
    host?: string;
    /** The issue the job works on. */
    issue: number;
    /** The issue's title, when the event said. */
    title?: string;
    /** The issue's page on Gitea (its HTML URL), when known. */
    url?: string;
    trigger: string;
    /** The login of the person who asked. */
    sender: string;
    branch: string;
    agent: string;
    pullRequest?: { number: number; url: string };
    /** The outcome of a finished job. */
    result?: {
      exitCode: number | null;
      durationMs: number;
      newCommits: number;
      pushed: boolean;
      timedOut: boolean;
      summary?: string;
      error?: string;
      failedPhase?: string;
    };
    /** Why and until when a waiting job waits. */
    waiting?: { reason: string; until: string };
    createdAt: string;
    startedAt?: string;
    finishedAt?: string;
  };
}
