import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { createFakeGitea, DROP, type FakeGitea } from './fake-gitea.js';
import type { FakeGiteaStateOptions } from './fake-gitea-state.js';

/** A running fake Gitea HTTP server. */
export interface FakeGiteaServer {
  /** `http://127.0.0.1:<port>`: give it to the client as `baseUrl`. */
  url: string;
  /** The fake behind the server (seeding, call log, faults); its `baseUrl` is `url`. */
  fake: FakeGitea;
  /** Stops listening and closes every open connection. */
  close(): Promise<void>;
}

/**
 * Serves a {@link FakeGitea} over real HTTP on 127.0.0.1 (port 0 = any free port unless `port`
 * is given), for out-of-process runs and `npm run demo`. Pass `fake` to serve an existing one
 * (its `baseUrl` is set to the server's URL), or the options of a new one. A dropped connection
 * (fault or `goDown()`) destroys the socket without an answer. `rewrite` (tests) may answer a
 * request itself or hand the fake another one, for routes the fake does not have.
 */
export async function startFakeGiteaServer(
  options: { fake?: FakeGitea; port?: number; rewrite?: (request: Request) => Promise<Request | Response> } & FakeGiteaStateOptions = {},
): Promise<FakeGiteaServer> {
  const fake = options.fake ?? createFakeGitea(options);
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve(
      {
        hostname: '127.0.0.1',
        port: options.port ?? 0,
        overrideGlobalObjects: false,
        fetch: async (incoming, env) => {
          const request = options.rewrite ? await options.rewrite(incoming) : incoming;
          if (request instanceof Response) return request;
          const response = await fake.handle(request);
          if (response !== DROP) return response;
          env.incoming.socket.destroy();
          return new Response(null, { status: 500 });
        },
      },
      () => resolve(s),
    );
    s.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  fake.baseUrl = url;
  return {
    url,
    fake,
    close: () =>
      new Promise<void>((resolve, reject) => {
        if ('closeAllConnections' in server) server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
