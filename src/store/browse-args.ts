import { DEFAULT_JOB_OUTPUT_MAX_BYTES } from '../engine/job-output.js';
import { OUTPUT_MIN_MAX_BYTES } from './output-chunks.js';

/** The most changes one `changes()` call returns. */
export const CHANGES_MAX_LIMIT = 1000;

/** Checks `JobBrowser.changes` arguments: `afterId` an integer ≥ 0, `limit` 1..1000; RangeError otherwise. */
export function checkChangesArgs(afterId: number, limit: number): void {
  if (!Number.isSafeInteger(afterId) || afterId < 0) throw new RangeError(`afterId must be an integer ≥ 0, got ${String(afterId)}`);
  if (!Number.isInteger(limit) || limit < 1 || limit > CHANGES_MAX_LIMIT) throw new RangeError(`limit must be an integer from 1 to ${CHANGES_MAX_LIMIT}, got ${String(limit)}`);
}

/**
 * A store's `outputMaxBytes` option: the default ({@link DEFAULT_JOB_OUTPUT_MAX_BYTES}) when
 * unset; RangeError unless an integer ≥ {@link OUTPUT_MIN_MAX_BYTES}.
 */
export function outputMaxBytesOf(value: number | undefined): number {
  if (value === undefined) return DEFAULT_JOB_OUTPUT_MAX_BYTES;
  if (!Number.isSafeInteger(value) || value < OUTPUT_MIN_MAX_BYTES)
    throw new RangeError(`the job output limit must be an integer of at least ${OUTPUT_MIN_MAX_BYTES} bytes, got ${String(value)}`);
  return value;
}
