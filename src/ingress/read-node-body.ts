import type { IncomingMessage } from 'node:http';
import type { BodyRead } from './read-body.js';

/**
 * {@link readBody} on Node's own request stream (the `incoming` @hono/node-server hands the app),
 * without building a web `Request` and `ReadableStream` around it — that conversion cost more CPU
 * per delivery than verifying and parsing one. Same contract: refused at once when
 * `Content-Length` is over `maxBytes` (nothing read), abandoned the moment the bytes read pass it
 * (reading stops; memory never holds more than `maxBytes`), `{ok: false, error}` when the body stops arriving
 * (the sender hung up, or the server's request timeout closed the connection); never rejects.
 * What is left unread is @hono/node-server's to drain or cut off once the answer was sent.
 */
export function readNodeBody(incoming: IncomingMessage, contentLength: string | undefined, maxBytes: number): Promise<BodyRead> {
  const declared = contentLength === undefined ? Number.NaN : Number(contentLength);
  if (Number.isFinite(declared) && declared > maxBytes) return Promise.resolve({ ok: false, tooLarge: true });
  if (incoming.readableEnded) return Promise.resolve({ ok: true, bytes: new Uint8Array(0) });
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (read: BodyRead) => {
      if (settled) return;
      settled = true;
      incoming.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
      resolve(read);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size > maxBytes) {
        finish({ ok: false, tooLarge: true });
        incoming.pause();
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => finish({ ok: true, bytes: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size) });
    const onError = (err: Error) => finish({ ok: false, tooLarge: false, error: err.message });
    const onClose = () => finish({ ok: false, tooLarge: false, error: 'the connection closed before the body ended' });
    incoming.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
  });
}
