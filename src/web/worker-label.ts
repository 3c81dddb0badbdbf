import { createHash } from 'node:crypto';
import type { Viewer } from './viewer.js';

/**
 * A worker id as `viewer` may see it. A worker's default id names its machine and process
 * (`w:<hostname>:<pid>:<8 hex>`, `src/worker/worker.ts`): an admin sees ids whole; anyone else who
 * signed in (on a public instance, anyone with an account) sees `worker <8 hex>`, the start of the
 * id's SHA-256 — the same worker always gets the same label, and no host name or pid is shown.
 */
export function workerLabel(viewer: Viewer, workerId: string): string {
  if (viewer.kind === 'admin') return workerId;
  return `worker ${createHash('sha256').update(workerId).digest('hex').slice(0, 8)}`;
}

/** A default worker or outbox-worker id inside a text (`w:` or `o:`, host, pid, 8 hex; `src/worker/worker.ts`, `src/report/outbox-worker.ts`). */
const WORKER_ID_IN_TEXT = /\b[wo]:[^\s:]+:\d+:[0-9a-f]{8}\b/g;

/**
 * `text` (a job history detail such as "attempt 2 on w:host:123:0a1b2c3d") with every default
 * worker id in it replaced by its {@link workerLabel} for `viewer`; unchanged for an admin.
 */
export function labelWorkersIn(viewer: Viewer, text: string): string {
  if (viewer.kind === 'admin') return text;
  return text.replace(WORKER_ID_IN_TEXT, (id) => workerLabel(viewer, id));
}
