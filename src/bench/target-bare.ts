import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serveChild } from './serve-child.js';

/**
 * Baseline 1: bare `node:http` that reads the whole body and answers 200 — the ceiling of this
 * machine's HTTP stack with these bodies. Child process of the ingest benchmark.
 */
await serveChild(async () => {
  const server = createServer((req, res) => {
    let bytes = 0;
    req.on('data', (chunk: Buffer) => (bytes += chunk.length));
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`ok ${bytes}\n`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    info: { url: `http://127.0.0.1:${port}` },
    handlers: {
      stop: () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    },
  };
});
