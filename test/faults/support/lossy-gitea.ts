import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { DROP, type FakeGitea } from '../../../src/sandbox/fake-gitea.js';

/** A request whose answer the lossy server threw away after the fake had applied it. */
export interface LostResponse {
  method: string;
  path: string;
  status: number;
}

/** The fake Gitea served over HTTP with one fault the fake itself lacks: a lost response. */
export interface LossyGiteaServer {
  url: string;
  /**
   * The next `times` requests matching `method` and `path` (tested on the path after `/api/v1`)
   * are handled by the fake — the write happens — and then the connection is destroyed, so the
   * client sees a network error for a request that succeeded (a timeout after Gitea committed).
   */
  loseResponses(times: number, method: string, path: RegExp): void;
  /** Every response thrown away so far. */
  readonly lost: readonly LostResponse[];
  close(): Promise<void>;
}

/**
 * Serves `fake` on 127.0.0.1 like `startFakeGiteaServer` (its faults, `goDown()` and call log
 * still apply; `fake.baseUrl` becomes this server's URL) and adds {@link LossyGiteaServer.loseResponses}.
 */
export async function startLossyGitea(fake: FakeGitea): Promise<LossyGiteaServer> {
  const rules: Array<{ left: number; method: string; path: RegExp }> = [];
  const lost: LostResponse[] = [];
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve(
      {
        hostname: '127.0.0.1',
        port: 0,
        overrideGlobalObjects: false,
        fetch: async (request, env) => {
          const path = new URL(request.url).pathname.replace(/^\/api\/v1(?=\/|$)/, '');
          const response = await fake.handle(request);
          const rule = response === DROP ? undefined : rules.find((r) => r.left > 0 && r.method === request.method && r.path.test(path));
          if (response === DROP || rule) {
            if (rule && response !== DROP) {
              rule.left -= 1;
              lost.push({ method: request.method, path, status: response.status });
            }
            env.incoming.socket.destroy();
            return new Response(null, { status: 500 });
          }
          return response;
        },
      },
      () => resolve(s),
    );
    s.once('error', reject);
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.baseUrl = url;
  return {
    url,
    loseResponses(times, method, path) {
      rules.push({ left: times, method: method.toUpperCase(), path });
    },
    get lost() {
      return lost;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        if ('closeAllConnections' in server) server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
