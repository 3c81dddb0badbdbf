import type { Logger } from '../log/logger.js';

/** Options of {@link OutputBatcher}. Times in ms, sizes in bytes (UTF-16 code units counted as bytes: a bound, not a measure). */
export interface OutputBatcherOptions {
  /** Writes one batch, e.g. `store.appendOutput(jobId, text)`; batches are written one at a time, in order. */
  write: (text: string) => Promise<void>;
  /** Told (warn) when a write fails; the batch is dropped, later ones still go. */
  logger: Pick<Logger, 'warn'>;
  /** The longest a text waits before it is written (default 500). */
  intervalMs?: number;
  /** A batch this large is written at once (default 64 KiB). */
  maxBatch?: number;
}

/**
 * Batches a turn's output on its way into the engine (`JobOutput.appendOutput`): what arrives is
 * written at most `intervalMs` after it arrived, or at once when `maxBatch` piled up, one write at
 * a time in arrival order; {@link close} writes the rest and waits for it. A failing write is
 * logged and never fails the turn (the worker's log file has the output anyway).
 */
export class OutputBatcher {
  private pending = '';
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();
  private failures = 0;
  private closed = false;

  constructor(private readonly o: OutputBatcherOptions) {}

  /** Output that arrived (already masked). Ignored after {@link close}. */
  push(text: string): void {
    if (this.closed || text === '') return;
    this.pending += text;
    if (this.pending.length >= (this.o.maxBatch ?? 64 * 1024)) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.o.intervalMs ?? 500);
  }

  /** Writes what is left and resolves once every write settled (never rejects). */
  async close(): Promise<void> {
    this.closed = true;
    this.flush();
    await this.chain;
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending === '') return;
    const text = this.pending;
    this.pending = '';
    this.chain = this.chain.then(() =>
      this.o.write(text).catch((err: unknown) => {
        this.failures += 1;
        // The first failures are told; a database that stays away would otherwise flood the log.
        if (this.failures <= 3) this.o.logger.warn({ err, bytes: Buffer.byteLength(text) }, "the agent's output could not be written to the database; it is in the log file");
      }),
    );
  }
}
