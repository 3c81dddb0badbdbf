import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createNodeMiddleware, Webhooks } from '@octokit/webhooks';
import { serveChild } from './serve-child.js';

/**
 * Baseline 2: the usual Node webhook stack — `@octokit/webhooks` `createNodeMiddleware` on
 * `node:http`, verifying `X-Hub-Signature-256` over the same bodies and answering 200; it stores
 * nothing. Child process of the ingest benchmark.
 */
await serveChild<{ secret: string }, { url: string }>(async ({ secret }) => {
  const webhooks = new Webhooks({ secret });
  webhooks.onAny(() => undefined);
  const middleware = createNodeMiddleware(webhooks, { path: '/webhooks/gitea' });
  const server = createServer(async (req, res) => {
    if (await middleware(req, res)) return;
    res.writeHead(404);
    res.end();
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
