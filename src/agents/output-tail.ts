import { StringDecoder } from 'node:string_decoder';

/** Bounds of an {@link OutputTail}. */
export interface OutputTailLimits {
  /** Most lines kept. Default 40. */
  maxLines?: number;
  /** Most bytes (UTF-8) kept in all. Default 4096. */
  maxBytes?: number;
  /** A line without newline is cut into pieces of this many characters. Default 16384. */
  maxLineLength?: number;
}

/**
 * The last lines of a process's output, bounded in lines and bytes, fed chunk by chunk from
 * several streams (each stream keeps its own partial line, so stdout and stderr never mix inside
 * a line). Memory stays bounded even for output without newlines.
 */
export class OutputTail {
  private readonly lines: string[] = [];
  private bytes = 0;
  private readonly partial = new Map<string, { decoder: StringDecoder; text: string }>();
  private readonly maxLines: number;
  private readonly maxBytes: number;
  private readonly maxLineLength: number;

  /** `onLine` receives every complete line (without its newline, `\r` stripped). */
  constructor(
    limits: OutputTailLimits = {},
    private readonly onLine?: (line: string) => void,
  ) {
    this.maxLines = limits.maxLines ?? 40;
    this.maxBytes = limits.maxBytes ?? 4096;
    this.maxLineLength = limits.maxLineLength ?? 16384;
  }

  /** Adds a chunk read from the stream named `source` (e.g. `"stdout"`). */
  push(source: string, chunk: Buffer | string): void {
    let p = this.partial.get(source);
    if (!p) {
      p = { decoder: new StringDecoder('utf8'), text: '' };
      this.partial.set(source, p);
    }
    p.text += typeof chunk === 'string' ? chunk : p.decoder.write(chunk);
    let nl: number;
    while ((nl = p.text.indexOf('\n')) >= 0) {
      this.addLine(p.text.slice(0, nl));
      p.text = p.text.slice(nl + 1);
    }
    while (p.text.length > this.maxLineLength) {
      this.addLine(p.text.slice(0, this.maxLineLength));
      p.text = p.text.slice(this.maxLineLength);
    }
  }

  /** Flushes the partial lines of every stream (call once the streams have ended). */
  flush(): void {
    for (const p of this.partial.values()) {
      const rest = p.text + p.decoder.end();
      p.text = '';
      if (rest.length > 0) this.addLine(rest);
    }
  }

  /** The kept lines joined by `\n`: at most `maxLines` lines and `maxBytes` bytes. */
  toString(): string {
    return this.lines.join('\n');
  }

  private addLine(raw: string): void {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    this.onLine?.(line);
    let kept = line;
    // A single line larger than the byte budget keeps its end.
    if (Buffer.byteLength(kept) > this.maxBytes) kept = Buffer.from(kept).subarray(-this.maxBytes).toString('utf8');
    this.lines.push(kept);
    this.bytes += Buffer.byteLength(kept) + 1;
    while (this.lines.length > this.maxLines || (this.bytes - 1 > this.maxBytes && this.lines.length > 1)) {
      this.bytes -= Buffer.byteLength(this.lines.shift()!) + 1;
    }
  }
}
