import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { Hono } from 'hono';

/** Where and how the HTTP door listens. Times are ms. */
export interface HttpServerOptions {
  port: number;
  host: string;
  /** Time allowed to receive a request's headers (Node's `headersTimeout`). */
  headersMs: number;
  /** Time allowed to receive a whole request, body included (Node's `requestTimeout`). */
  requestMs: number;
}

/** A listening server. */
export interface HttpServer {
  server: Server;
  /** The port it listens on (the one the OS chose when `port` was 0). */
  port: number;
  /** Stops listening and closes every connection. */
  close(): Promise<void>;
}

/**
 * Serves `app` with @hono/node-server on `host:port`, with timeouts of seconds instead of Node's
 * defaults (300 s for a request): a connection that sends its headers or body too slowly is
 * answered 408 and closed once `headersMs`/`requestMs` pass — Node checks every
 * `connectionsCheckingInterval`, here at most a second (Node 20 `http.createServer` options). A
 * stalled upload therefore holds its memory and socket for seconds, not minutes. Rejects when the
 * port cannot be bound (e.g. `EADDRINUSE`).
 */
export function startHttpServer(app: Hono, options: HttpServerOptions): Promise<HttpServer> {
  return new Promise((resolve, reject) => {
    const server = serve({
      fetch: app.fetch,
      port: options.port,
      hostname: options.host,
      serverOptions: {
        headersTimeout: options.headersMs,
        requestTimeout: options.requestMs,
        connectionsCheckingInterval: Math.min(1000, options.headersMs, options.requestMs),
      },
    }) as Server;
    server.once('error', reject);
    server.once('listening', () => {
      server.off('error', reject);
      resolve({
        server,
        port: (server.address() as AddressInfo).port,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
