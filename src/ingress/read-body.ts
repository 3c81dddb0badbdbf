/** What reading a request body gave: its bytes, or why there are none. */
export type BodyRead = { ok: true; bytes: Uint8Array } | { ok: false; tooLarge: true } | { ok: false; tooLarge: false; error: string };

/**
 * Reads a request body of at most `maxBytes` bytes: refused at once when `Content-Length` says it
 * is larger, else read chunk by chunk and abandoned (the stream cancelled) the moment it passes
 * `maxBytes` — memory never holds more than `maxBytes`. A body that stops arriving (the sender
 * hung up, or the server's request timeout closed the connection) is `{ok: false, error}`, never
 * a thrown error. `null` is an empty body.
 */
export async function readBody(body: ReadableStream<Uint8Array> | null, contentLength: string | undefined, maxBytes: number): Promise<BodyRead> {
  const declared = contentLength === undefined ? Number.NaN : Number(contentLength);
  if (Number.isFinite(declared) && declared > maxBytes) {
    await body?.cancel().catch(() => undefined);
    return { ok: false, tooLarge: true };
  }
  if (!body) return { ok: true, bytes: new Uint8Array(0) };
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await reader.cancel().catch(() => undefined);
        return { ok: false, tooLarge: true };
      }
      chunks.push(value);
    }
  } catch (err) {
    return { ok: false, tooLarge: false, error: err instanceof Error ? err.message : String(err) };
  }
  if (chunks.length === 1) return { ok: true, bytes: chunks[0]! };
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  return { ok: true, bytes };
}
