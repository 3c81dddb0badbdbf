import type { IncomingMessage } from 'node:http';

/** What reading a request body gave: its bytes, or why there are none. */
export type BodyRead = { ok: true; bytes: Uint8Array } | { ok: false; tooLarge: true } | { ok: false; tooLarge: false; error: string };

/**
 * The chunks of a request body, for {@link readBody}: Node's own request stream when the server is
 * @hono/node-server (`c.env.incoming`; no web `Request`/`ReadableStream` is built around it, which
 * cost more CPU per delivery than verifying and parsing one), else the web body (`app.request()` in
 * tests; read only then, since building it is the cost avoided). Leaving Node's iterator early does not destroy the request: what is left unread is
 * @hono/node-server's to drain or cut off once the answer was sent. Leaving the web stream's
 * iterator cancels the stream. `null` is an empty body.
 */
export function bodyChunks(incoming: IncomingMessage | undefined, web: () => ReadableStream<Uint8Array> | null): AsyncIterable<Uint8Array> | null {
  return incoming ? incoming.iterator({ destroyOnReturn: false }) : web();
}

/**
 * Reads a request body of at most `maxBytes` bytes: refused at once when `Content-Length` says it
 * is larger (nothing read), else read chunk by chunk and abandoned the moment it passes `maxBytes`
 * — memory never holds more than `maxBytes`. A body that stops arriving (the sender hung up, or the
 * server's request timeout closed the connection) is `{ok: false, error}`, never a thrown error.
 * `chunks` comes from {@link bodyChunks}; `null` is an empty body.
 */
export async function readBody(chunks: AsyncIterable<Uint8Array> | null, contentLength: string | undefined, maxBytes: number): Promise<BodyRead> {
  const declared = contentLength === undefined ? Number.NaN : Number(contentLength);
  if (Number.isFinite(declared) && declared > maxBytes) {
    await chunks?.[Symbol.asyncIterator]()
      .return?.()
      .catch(() => undefined);
    return { ok: false, tooLarge: true };
  }
  if (!chunks) return { ok: true, bytes: new Uint8Array(0) };
  const parts: Uint8Array[] = [];
  let size = 0;
  try {
    for await (const chunk of chunks) {
      size += chunk.byteLength;
      // Leaving the loop ends the iteration (see bodyChunks).
      if (size > maxBytes) return { ok: false, tooLarge: true };
      parts.push(chunk);
    }
  } catch (err) {
    return { ok: false, tooLarge: false, error: err instanceof Error ? err.message : String(err) };
  }
  return { ok: true, bytes: parts.length === 1 ? parts[0]! : Buffer.concat(parts, size) };
}
