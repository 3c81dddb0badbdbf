import { createServer } from 'node:net';

/**
 * A TCP port of 127.0.0.1 that was free a moment ago (bound to port 0, read, closed): for a server
 * whose URL must be known before it starts (a public URL, a `PORT` setting).
 */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
