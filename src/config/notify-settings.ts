import { DEFAULT_NOTIFY_EVENTS, NOTIFY_EVENTS, type NotifyEvent } from '../domain/job-notification.js';

/**
 * Where job notifications of a repository go (`notify:` in its `KUGETSU_WEBHOOKS_DIR` file), on
 * top of the global `KUGETSU_NOTIFY_URLS`: receiver URLs, the events they get, and the HMAC key
 * read from the variable `notify.secret_env` names (`undefined`: `KUGETSU_NOTIFY_SECRET` signs).
 */
export interface RepoNotifySettings {
  urls: string[];
  events: NotifyEvent[];
  secret: string | undefined;
}

/** The global notification settings (`KUGETSU_NOTIFY_URLS`, `KUGETSU_NOTIFY_EVENTS`, `KUGETSU_NOTIFY_SECRET`). */
export interface NotifyConfig {
  urls: string[];
  events: NotifyEvent[];
  /** The HMAC-SHA256 key; `undefined`: notifications are sent unsigned. */
  secret: string | undefined;
}

/** No receivers; the default events. */
export const NO_NOTIFY: RepoNotifySettings = { urls: [], events: [...DEFAULT_NOTIFY_EVENTS], secret: undefined };

/**
 * Why `value` cannot be a notification receiver URL, or `undefined` when it can: it must parse as
 * an absolute `http:` or `https:` URL with a host and no user or password in it (put credentials in
 * the path or query the receiver gives you; they are masked in kugetsu's logs).
 */
export function badNotifyUrl(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'is not a URL; give an absolute http(s) URL such as https://ntfy.example.org/kugetsu';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `has scheme ${url.protocol.replace(/:$/, '')}; only http and https receivers are supported`;
  if (!url.hostname) return 'has no host';
  if (url.username || url.password) return 'carries a user or password (user:pass@host), which fetch does not send; use a token in the path or query instead';
  return undefined;
}

/** Why `name` is not a notification event, or `undefined`. */
export function badNotifyEvent(name: string): string | undefined {
  return (NOTIFY_EVENTS as readonly string[]).includes(name) ? undefined : `is not a job event; use ${NOTIFY_EVENTS.join(', ')}`;
}
