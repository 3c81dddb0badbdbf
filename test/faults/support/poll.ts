/** Options of {@link pollUntil}. Times in ms. */
export interface PollOptions {
  /** Give up after this long (required: every loop of these tests ends by itself). */
  timeoutMs: number;
  /** Pause between probes. Default 100. */
  intervalMs?: number;
  /** What is awaited, for the timeout message, e.g. "all jobs finished". */
  what: string;
  /** Extra text for the timeout message (e.g. the server log tail), computed only on failure. */
  diagnose?: () => string;
}

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Calls `probe` every `intervalMs` until it returns something other than `undefined`/`false`, and
 * returns that value. Throws after `timeoutMs` with `what`, the last value the probe returned
 * (via `describe` of a thrown error too) and `diagnose()`: a bounded loop with a readable failure.
 */
export async function pollUntil<T>(probe: () => T | undefined | false | Promise<T | undefined | false>, options: PollOptions): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
      last = value;
    } catch (err) {
      last = err instanceof Error ? `${err.name}: ${err.message}` : err;
    }
    if (Date.now() >= deadline) {
      const extra = options.diagnose ? `\n${options.diagnose()}` : '';
      throw new Error(`timed out after ${options.timeoutMs} ms waiting for: ${options.what} (last probe: ${JSON.stringify(last)})${extra}`);
    }
    await sleep(options.intervalMs ?? 100);
  }
}

/** Races `promise` against a timer: resolves with its value, or rejects with `what` after `ms`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
