import type { QueuePosition } from '../engine/job-reader.js';

const ordinal = (n: number) => `${n}${n % 10 === 1 && n % 100 !== 11 ? 'st' : n % 10 === 2 && n % 100 !== 12 ? 'nd' : n % 10 === 3 && n % 100 !== 13 ? 'rd' : 'th'}`;

/** `2nd of 4` etc. */
export function positionText(ahead: number, waiting: number): string {
  return `${ordinal(ahead + 1)} of ${waiting}`;
}

/**
 * What a job that has not started waits for, from its durable queue position (any process reads the
 * same): `for a free agent slot (2nd of 4 waiting)`, `for the job before it on this issue to finish
 * (…)`; far back in a long queue `for a free agent slot (more than 100 ahead of it, 2,345 waiting)`;
 * `for a free agent slot` when the position is unknown (it is about to start).
 */
export function waitingText(position: QueuePosition | undefined): string {
  if (!position || position.place === 'waiting') return 'for a free agent slot';
  const where = position.moreAhead
    ? `more than ${position.ahead} ahead of it, ${position.waiting.toLocaleString('en-US')} waiting`
    : `${positionText(position.ahead, Math.max(position.waiting, position.ahead + 1))} waiting`;
  if (position.place === 'waiting-for-issue') return `for the job before it on this issue to finish (${where})`;
  return `for a free agent slot (${where})`;
}
