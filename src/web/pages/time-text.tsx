/**
 * Times and durations as the dashboard shows them: relative ("3 minutes ago", kept current by the
 * client script) next to absolute (UTC, ISO-like), and durations as `1h 2m 3s`.
 */

/** `2026-11-25 18:50:12 UTC` for an ISO 8601 time; the input as it is when it does not parse. */
export function absoluteTime(iso: string): string {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) return iso;
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

const UNITS: Array<[string, number]> = [
  ['year', 365 * 86_400],
  ['month', 30 * 86_400],
  ['week', 7 * 86_400],
  ['day', 86_400],
  ['hour', 3_600],
  ['minute', 60],
  ['second', 1],
];

/** `3 minutes ago` / `in 2 hours` / `just now` for an ISO 8601 time, seen at `now` (ms since the epoch). */
export function relativeTime(iso: string, now: number): string {
  const seconds = Math.round((Date.parse(iso) - now) / 1000);
  if (!Number.isFinite(seconds)) return '';
  if (Math.abs(seconds) < 5) return 'just now';
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size || unit === 'second') {
      const n = Math.round(Math.abs(seconds) / size);
      const text = `${n} ${unit}${n === 1 ? '' : 's'}`;
      return seconds < 0 ? `${text} ago` : `in ${text}`;
    }
  }
  return '';
}

/** A duration in ms as `1h 2m 3s` (`0s` for less than a second; negative counts as 0). */
export function durationText(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return `${h ? `${h}h ` : ''}${h || m ? `${m}m ` : ''}${s % 60}s`;
}

/** A `<time>` showing relative and absolute time; the client script keeps the relative part current. */
export function Time(props: { iso: string; now: number }) {
  return (
    <time datetime={props.iso} data-rel="" title={absoluteTime(props.iso)}>
      <span class="rel">{relativeTime(props.iso, props.now)}</span>
      <span class="abs">{absoluteTime(props.iso)}</span>
    </time>
  );
}

/** A running clock since `since` (ISO 8601), first rendered as of `now`; the client script ticks it. */
export function Elapsed(props: { since: string; now: number }) {
  return <span data-elapsed-since={props.since}>{durationText(props.now - Date.parse(props.since))}</span>;
}
