/**
 * A tiny smart-HTTP git server for tests: Node's http server in front of `git http-backend` (CGI),
 * on 127.0.0.1, serving the bare repositories under `root` and demanding
 * `Authorization: Basic base64(<any user>:<token>)` like Gitea does for an access token.
 * Records every Authorization header it receives.
 */
import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A running server; `close()` stops it. */
export interface GitHttpServer {
  /** `http://127.0.0.1:<port>` */
  baseUrl: string;
  /** Every Authorization header value received, in order ('' when absent). */
  authorizations: string[];
  close(): Promise<void>;
}

/**
 * Starts the server; requests without the right token get 401 with a Basic challenge. `delayMs`
 * holds every answer that long (to observe the git processes while they wait); `gate`, when given,
 * is called with every request and its answer waits until the promise it returns settles.
 */
export async function startGitHttpServer(root: string, token: string, delayMs = 0, gate?: (req: IncomingMessage) => Promise<unknown>): Promise<GitHttpServer> {
  const authorizations: string[] = [];
  const server: Server = createServer((req, res) => {
    const held = gate ? gate(req).catch(() => undefined) : Promise.resolve();
    void held.then(() => setTimeout(() => answer(req, res), delayMs));
  });
  const answer = (req: IncomingMessage, res: ServerResponse): void => {
    const auth = req.headers.authorization ?? '';
    authorizations.push(auth);
    const match = /^Basic (.+)$/.exec(auth);
    const password = match ? Buffer.from(match[1]!, 'base64').toString('utf8').split(':').slice(1).join(':') : '';
    if (password !== token) {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="test"' }).end('unauthorized');
      return;
    }
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const cgi = spawn('git', ['http-backend'], {
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        GIT_PROJECT_ROOT: root,
        GIT_HTTP_EXPORT_ALL: '1',
        REMOTE_USER: 'kugetsu',
        REQUEST_METHOD: req.method ?? 'GET',
        PATH_INFO: decodeURIComponent(url.pathname),
        QUERY_STRING: url.search.slice(1),
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        HTTP_CONTENT_ENCODING: req.headers['content-encoding'] ?? '',
        GIT_PROTOCOL: String(req.headers['git-protocol'] ?? ''),
      },
    });
    req.pipe(cgi.stdin);
    const chunks: Buffer[] = [];
    cgi.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    cgi.on('close', () => {
      const out = Buffer.concat(chunks);
      const split = out.indexOf('\r\n\r\n');
      const head = split === -1 ? '' : out.subarray(0, split).toString('utf8');
      const body = split === -1 ? out : out.subarray(split + 4);
      let status = 200;
      const headers: Record<string, string> = {};
      for (const line of head.split('\r\n')) {
        const colon = line.indexOf(':');
        if (colon === -1) continue;
        const name = line.slice(0, colon).trim();
        const value = line.slice(colon + 1).trim();
        if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10);
        else headers[name] = value;
      }
      res.writeHead(status, headers).end(body);
    });
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    authorizations,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
