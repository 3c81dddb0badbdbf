import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type BodyRead, bodyChunks, readBody } from '../../src/ingress/read-body.js';

let server: Server | undefined;
afterEach(() => new Promise<void>((done) => (server ? (server.closeAllConnections(), server.close(() => done())) : done())));

/** A real server on 127.0.0.1 answering each request with what readBody read from Node's request stream (limit `max` bytes). */
async function serve(max: number): Promise<{ port: number; reads: BodyRead[] }> {
  const reads: BodyRead[] = [];
  server = createServer(async (req: IncomingMessage, res) => {
    const read = await readBody(
      bodyChunks(req, () => null),
      req.headers['content-length'],
      max,
    );
    reads.push(read);
    res.writeHead(read.ok ? 200 : read.tooLarge ? 413 : 400, { connection: 'close' });
    res.end(read.ok ? Buffer.from(read.bytes) : '');
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, reads };
}

/** POSTs `chunks` (chunked when `declared` is undefined) and resolves with the status and body. */
function post(port: number, chunks: Buffer[], declared?: number): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/', headers: declared === undefined ? {} : { 'content-length': String(declared) } }, (res) => {
      const got: Buffer[] = [];
      res.on('data', (d: Buffer) => got.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(got) }));
    });
    req.on('error', reject);
    for (const c of chunks) req.write(c);
    req.end();
  });
}

describe('readBody on a Node request', () => {
  it('returns the exact bytes of a body sent in several chunks', async () => {
    const { port, reads } = await serve(1024);
    const parts = [Buffer.from('{"a":'), Buffer.from('"é"'), Buffer.from('}')];
    const answer = await post(port, parts);
    expect(answer.status).toBe(200);
    expect(answer.body.equals(Buffer.concat(parts))).toBe(true);
    expect(reads[0]).toMatchObject({ ok: true });
  });

  it('refuses a body declared larger than the limit without reading it, and one that grows past it', async () => {
    const { port, reads } = await serve(1000);
    expect((await post(port, [Buffer.alloc(1500, 0x20)], 1500)).status).toBe(413);
    expect((await post(port, [Buffer.alloc(600, 0x20), Buffer.alloc(600, 0x20)])).status).toBe(413);
    expect(reads).toEqual([
      { ok: false, tooLarge: true },
      { ok: false, tooLarge: true },
    ]);
  });
});
