/**
 * Byte arithmetic of a job's output (`JobOutput`), shared by the SQLite and PostgreSQL stores. The
 * output is UTF-8 kept as chunks `{start, data}`: `start` is the byte offset of `data` in the job's
 * whole output, every chunk holds whole characters, chunks are contiguous, and the first kept
 * chunk's `start` is the count of dropped bytes.
 */

/** The largest chunk one row holds (64 KiB); a bigger append is split. */
export const OUTPUT_CHUNK_BYTES = 64 * 1024;

/** The most bytes one `readOutput` returns (1 MiB), also its default. */
export const OUTPUT_READ_MAX_BYTES = 1024 * 1024;

/** The smallest `maxBytes` a store accepts (1 KiB): below it a character could not be kept whole. */
export const OUTPUT_MIN_MAX_BYTES = 1024;

/** A stored chunk of output. */
export interface OutputRow {
  start: number;
  data: Buffer;
}

/** The first character boundary at or after byte `i` of UTF-8 `buf` (skips continuation bytes 10xxxxxx). */
export function charBoundary(buf: Uint8Array, i: number): number {
  let at = Math.max(0, i);
  while (at < buf.length && (buf[at]! & 0xc0) === 0x80) at++;
  return at;
}

/** The last character boundary at or before byte `i` of UTF-8 `buf`. */
function charBoundaryBefore(buf: Uint8Array, i: number): number {
  let at = Math.min(buf.length, i);
  while (at > 0 && at < buf.length && (buf[at]! & 0xc0) === 0x80) at--;
  return at;
}

/** Splits `buf` into pieces of at most {@link OUTPUT_CHUNK_BYTES}, each cut at a character boundary. */
export function splitChunks(buf: Buffer): Buffer[] {
  const pieces: Buffer[] = [];
  let at = 0;
  while (at < buf.length) {
    let end = charBoundaryBefore(buf, at + OUTPUT_CHUNK_BYTES);
    if (end <= at) end = charBoundary(buf, at + 1);
    pieces.push(buf.subarray(at, end));
    at = end;
  }
  return pieces;
}

/** What an append writes: the rows to insert, and the offset before which older bytes go. */
export interface AppendPlan {
  rows: OutputRow[];
  /** Bytes before this offset are dropped (0: nothing to drop). */
  keepFrom: number;
  /** The output's size after the append. */
  total: number;
}

/**
 * Plans appending `text` to an output of `total` bytes, keeping at most `maxBytes`: a text longer
 * than `maxBytes` keeps only its newest bytes (from a character boundary). When nothing of the
 * text can be kept, one empty row at the new end records the size.
 */
export function planAppend(total: number, text: string, maxBytes: number): AppendPlan {
  const buf = Buffer.from(text, 'utf8');
  const cut = buf.length > maxBytes ? charBoundary(buf, buf.length - maxBytes) : 0;
  const kept = buf.subarray(cut);
  const rows: OutputRow[] = [];
  let start = total + cut;
  for (const piece of splitChunks(kept)) {
    rows.push({ start, data: piece });
    start += piece.length;
  }
  const end = total + buf.length;
  if (rows.length === 0) rows.push({ start: end, data: Buffer.alloc(0) });
  return { rows, keepFrom: Math.max(0, end - maxBytes), total: end };
}

/**
 * The part of a chunk that straddles `keepFrom` to keep: from the first character boundary at or
 * after `keepFrom`; `undefined` when the chunk ends before it (the whole chunk goes).
 */
export function trimChunk(row: OutputRow, keepFrom: number): OutputRow | undefined {
  if (row.start >= keepFrom) return row;
  if (row.start + row.data.length <= keepFrom) return undefined;
  const at = charBoundary(row.data, keepFrom - row.start);
  return { start: row.start + at, data: row.data.subarray(at) };
}

/**
 * Checks and normalises `readOutput` options: `after` an integer ≥ 0 (default 0), `limitBytes` an
 * integer ≥ 1 (default and at most {@link OUTPUT_READ_MAX_BYTES}). Throws RangeError otherwise.
 */
export function readOptions(options: { after?: number; limitBytes?: number } = {}): { after: number; limit: number } {
  const after = options.after ?? 0;
  const limit = options.limitBytes ?? OUTPUT_READ_MAX_BYTES;
  if (!Number.isSafeInteger(after) || after < 0) throw new RangeError(`after must be a byte offset (an integer ≥ 0), got ${String(options.after)}`);
  if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`limitBytes must be an integer ≥ 1, got ${String(options.limitBytes)}`);
  return { after, limit: Math.min(limit, OUTPUT_READ_MAX_BYTES) };
}

/**
 * Reads from `rows` (contiguous chunks, oldest first, the first one holding byte `from`) at most
 * `limit` bytes from `from` on, cut at character boundaries (at least one character when any is
 * there). Returns the text and the offset after it.
 */
export function readRows(rows: readonly OutputRow[], from: number, limit: number): { text: string; next: number } {
  if (rows.length === 0) return { text: '', next: from };
  const first = rows[0]!;
  const buf = Buffer.concat(rows.map((r) => r.data));
  const skip = charBoundary(buf, from - first.start);
  let end = charBoundaryBefore(buf, skip + limit);
  if (end <= skip && skip < buf.length) end = charBoundary(buf, skip + 1);
  return { text: buf.subarray(skip, end).toString('utf8'), next: first.start + end };
}

/**
 * Turns output appends into `{kind: 'output'}` announcements, at most one per job per
 * `intervalMs` (default 1000): the first append of a quiet job is announced at once, later ones
 * within the interval once at its end (so the last append of a burst is always announced).
 */
export class OutputAnnouncer {
  private readonly last = new Map<string, number>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private closed = false;

  constructor(
    private readonly send: (jobId: string) => void,
    private readonly intervalMs = 1000,
  ) {}

  /** Output of `jobId` was committed. */
  appended(jobId: string): void {
    if (this.closed || this.timers.has(jobId)) return;
    const now = Date.now();
    const wait = (this.last.get(jobId) ?? -Infinity) + this.intervalMs - now;
    if (wait <= 0) {
      this.fire(jobId, now);
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(jobId);
      if (!this.closed) this.fire(jobId, Date.now());
    }, wait);
    timer.unref();
    this.timers.set(jobId, timer);
  }

  /** Stops: pending announcements are dropped. */
  close(): void {
    this.closed = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  private fire(jobId: string, now: number): void {
    this.last.set(jobId, now);
    // Forget quiet jobs so the map stays small.
    if (this.last.size > 1000) for (const [id, at] of this.last) if (now - at > this.intervalMs) this.last.delete(id);
    try {
      this.send(jobId);
    } catch {
      // A failed announcement is a lost hint; listeners also poll.
    }
  }
}
