/** The most output bytes kept per job when `KUGETSU_JOB_OUTPUT_MAX_BYTES` is not set: 4 MiB. */
export const DEFAULT_JOB_OUTPUT_MAX_BYTES = 4 * 1024 * 1024;

/** What {@link JobOutput.readOutput} returns. Offsets and sizes are bytes of the job's whole output (UTF-8). */
export interface OutputChunk {
  /** The output from `max(after, dropped)` on, at most `limitBytes` bytes of it, cut at a character boundary. */
  text: string;
  /** The offset just after `text`: pass it as `after` to read on (a live tail polls with it). */
  next: number;
  /** Bytes at the start of the output that are no longer kept (the newest `maxBytes` are kept). */
  dropped: number;
  /** Bytes of output written so far (kept or dropped): `next === total` when all was read. */
  total: number;
  /**
   * True when no more output will come: the job is finished (`succeeded`, `failed`, `canceled`) or
   * unknown. A running job's last output may arrive up to a flush interval after it ended.
   */
  done: boolean;
}

/**
 * A job's output (what its agent printed, already redacted by the writer), kept in the engine so
 * that a dashboard in any process — the ingress, another machine — reads what an agent on a worker
 * prints. At most `maxBytes` per job are kept (the store's option, `KUGETSU_JOB_OUTPUT_MAX_BYTES`,
 * default {@link DEFAULT_JOB_OUTPUT_MAX_BYTES}); the oldest bytes go first and the count of dropped
 * bytes is kept. Output is deleted with its job by `prune`.
 */
export interface JobOutput {
  /**
   * Appends `text` (UTF-8) to the output of job `jobId`, in one transaction; then emits
   * `{kind: 'output', jobId}` (at most about once a second per job). An empty `text` does nothing.
   * Rejects for an unknown job id; callers (the job runner) log such failures, never fail a turn.
   */
  appendOutput(jobId: string, text: string): Promise<void>;
  /**
   * Reads output of job `jobId` after byte offset `after` (default 0; an offset inside the dropped
   * part reads from the oldest kept byte), at most `limitBytes` (default and maximum 1 MiB; at
   * least one character is returned when any is there). An unknown job reads as empty and `done`.
   */
  readOutput(jobId: string, options?: { after?: number; limitBytes?: number }): Promise<OutputChunk>;
}
