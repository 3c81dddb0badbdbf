/**
 * Why a worker stops a running turn (the abort reason of the turn's signal):
 * - {@link ShutdownAbort}: the process is shutting down; the job is interrupted and continues as
 *   its next attempt after the restart (or on another worker);
 * - {@link CancelRequest}: someone asked to cancel the job; it finishes as `canceled`;
 * - {@link LeaseLost}: the worker's lease lapsed and the job may be another worker's now; nothing
 *   of the turn is recorded.
 */
export class ShutdownAbort extends Error {
  override readonly name = 'ShutdownAbort';
  constructor() {
    super('kugetsu is shutting down');
  }
}

/** See {@link ShutdownAbort}. */
export class CancelRequest extends Error {
  override readonly name = 'CancelRequest';
  constructor() {
    super('the job was canceled');
  }
}

/** See {@link ShutdownAbort}. */
export class LeaseLost extends Error {
  override readonly name = 'LeaseLost';
  constructor() {
    super("the worker's lease on the job lapsed");
  }
}

/** True when a turn's signal was aborted by a shutdown. */
export function isShutdownAbort(signal: AbortSignal): boolean {
  return signal.aborted && signal.reason instanceof ShutdownAbort;
}

/** True when a turn's signal was aborted because the worker lost its lease. */
export function isLeaseLost(signal: AbortSignal): boolean {
  return signal.aborted && signal.reason instanceof LeaseLost;
}
