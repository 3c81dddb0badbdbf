import { request, type IncomingMessage } from 'node:http';
import { StringDecoder } from 'node:string_decoder';
import { z } from 'zod';

/** Where a running `opencode serve` answers and how to authenticate. */
export interface OpencodeEndpoint {
  /** Base URL, e.g. `http://127.0.0.1:41234` (no trailing slash). */
  url: string;
  /** The `Authorization` header value (`Basic base64("opencode:<password>")`, see `opencodeAuthorization`). */
  authorization: string;
}

/**
 * The `Authorization` header of an opencode server started with `OPENCODE_SERVER_PASSWORD`
 * (opencode 1.18.33 `ServerAuth`: HTTP Basic, user `OPENCODE_SERVER_USERNAME`, default `opencode`).
 */
export function opencodeAuthorization(password: string, username = 'opencode'): string {
  return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
}

/** A request to the opencode server that did not give the expected answer. */
export class OpencodeHttpError extends Error {
  constructor(
    message: string,
    /** HTTP status, when the server answered; `undefined` for a connection failure or an aborted request. */
    readonly status?: number,
    /** The start of the answer's body (at most 1000 characters), when there was one. */
    readonly body?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'OpencodeHttpError';
  }
}

/** Options of {@link opencodeRequest}. */
export interface OpencodeRequestOptions<T> {
  /** Query parameters, e.g. `{directory: '/state/worktrees/acme/app/issue-7'}`. */
  query?: Record<string, string>;
  /** JSON body. */
  body?: unknown;
  /** Validates the JSON answer (a 204 or empty answer is validated as `undefined`). */
  schema: z.ZodType<T>;
  /** Aborting destroys the request; it then rejects with an {@link OpencodeHttpError} without status. */
  signal?: AbortSignal;
  /** Rejects when no whole answer came within this many ms. Default: none (a turn's message is answered when the turn ends). */
  timeoutMs?: number;
}

/** Largest answer body read, in bytes (a session's message list with big tool outputs stays far below). */
const MAX_BODY_BYTES = 64 * 1024 * 1024;

function target(endpoint: OpencodeEndpoint, pathname: string, query?: Record<string, string>): URL {
  const url = new URL(pathname, `${endpoint.url}/`);
  for (const [k, v] of Object.entries(query ?? {})) url.searchParams.set(k, v);
  return url;
}

/**
 * One JSON request to an opencode server over `node:http` (no fetch: undici gives up on an answer
 * whose headers take more than 300 s, and `POST /session/{id}/message` answers when the turn ends).
 * Resolves the answer validated by `schema`; rejects with {@link OpencodeHttpError} for a non-2xx
 * status (with the body's start), a connection failure, an abort, a timeout, a body that is not
 * JSON or does not match the schema.
 */
export function opencodeRequest<T>(endpoint: OpencodeEndpoint, method: 'GET' | 'POST', pathname: string, options: OpencodeRequestOptions<T>): Promise<T> {
  const url = target(endpoint, pathname, options.query);
  const payload = options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body), 'utf8');
  return new Promise<T>((resolve, reject) => {
    if (options.signal?.aborted) {
      reject(new OpencodeHttpError(`${method} ${url.pathname} was aborted`));
      return;
    }
    const req = request(url, {
      method,
      headers: {
        authorization: endpoint.authorization,
        accept: 'application/json',
        ...(payload ? { 'content-type': 'application/json', 'content-length': String(payload.length) } : {}),
      },
      ...(options.signal ? { signal: options.signal } : {}),
    });
    let timer: NodeJS.Timeout | undefined;
    if (options.timeoutMs !== undefined) {
      timer = setTimeout(() => req.destroy(new OpencodeHttpError(`${method} ${url.pathname}: no answer within ${options.timeoutMs} ms`)), options.timeoutMs);
    }
    const fail = (err: unknown): void => {
      clearTimeout(timer);
      if (err instanceof OpencodeHttpError) reject(err);
      else if ((err as { name?: string }).name === 'AbortError') reject(new OpencodeHttpError(`${method} ${url.pathname} was aborted`, undefined, undefined, { cause: err }));
      else reject(new OpencodeHttpError(`${method} ${url.pathname} failed: ${(err as Error).message}`, undefined, undefined, { cause: err }));
    };
    req.once('error', fail);
    req.once('response', (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY_BYTES) {
          req.destroy(new OpencodeHttpError(`${method} ${url.pathname}: answer over ${MAX_BODY_BYTES} bytes`, res.statusCode));
          return;
        }
        chunks.push(chunk);
      });
      res.once('error', fail);
      res.once('end', () => {
        clearTimeout(timer);
        const text = Buffer.concat(chunks).toString('utf8');
        const status = res.statusCode ?? 0;
        if (status < 200 || status > 299) {
          reject(new OpencodeHttpError(`${method} ${url.pathname} answered ${status}: ${text.slice(0, 300)}`, status, text.slice(0, 1000)));
          return;
        }
        let json: unknown;
        try {
          json = text.trim() === '' ? undefined : JSON.parse(text);
        } catch {
          reject(new OpencodeHttpError(`${method} ${url.pathname} answered ${status} with a body that is not JSON: ${text.slice(0, 200)}`, status, text.slice(0, 1000)));
          return;
        }
        const parsed = options.schema.safeParse(json);
        if (!parsed.success) {
          reject(
            new OpencodeHttpError(
              `${method} ${url.pathname} answered ${status} with an unexpected shape: ${parsed.error.issues
                .map((i) => `${i.path.join('.')}: ${i.message}`)
                .join('; ')
                .slice(0, 300)}`,
              status,
              text.slice(0, 1000),
            ),
          );
          return;
        }
        resolve(parsed.data);
      });
    });
    req.end(payload);
  });
}

/** One server-sent event of opencode's `/event` stream: `{type, properties}` (opencode 1.18.33 `Event` schema). */
export const opencodeEventSchema = z.object({ type: z.string(), properties: z.record(z.string(), z.unknown()).default({}) }).loose();
/** See {@link opencodeEventSchema}. */
export type OpencodeEvent = z.infer<typeof opencodeEventSchema>;

/** An open `/event` stream (see {@link openOpencodeEvents}). */
export interface OpencodeEventStream {
  /** Settles when the stream ended: the server closed it, the connection broke, or {@link close} was called. */
  ended: Promise<void>;
  /** Closes the stream. */
  close(): void;
}

/**
 * Subscribes to `GET /event?directory=<directory>` (opencode 1.18.33: SSE, one `data: <json>` per
 * event, the instance's events of every session in that directory; the first is
 * `server.connected`). Resolves once `server.connected` arrived, so that no event of a request sent
 * afterwards is missed; every event after it goes to `onEvent` (lines that are not JSON events are
 * skipped; a throw of `onEvent` is ignored). Rejects with {@link OpencodeHttpError} when the stream
 * cannot be opened (status, connection) or did not connect within `connectTimeoutMs`.
 */
export function openOpencodeEvents(
  endpoint: OpencodeEndpoint,
  directory: string,
  onEvent: (event: OpencodeEvent) => void,
  connectTimeoutMs = 30_000,
): Promise<OpencodeEventStream> {
  const url = target(endpoint, '/event', { directory });
  return new Promise<OpencodeEventStream>((resolve, reject) => {
    let connected = false;
    let endStream: () => void = () => undefined;
    const ended = new Promise<void>((r) => (endStream = r));
    const req = request(url, { method: 'GET', headers: { authorization: endpoint.authorization, accept: 'text/event-stream' } });
    const stream: OpencodeEventStream = { ended, close: () => req.destroy() };
    const timer = setTimeout(() => req.destroy(new OpencodeHttpError(`GET /event: not connected within ${connectTimeoutMs} ms`)), connectTimeoutMs);
    const fail = (err: Error): void => {
      clearTimeout(timer);
      endStream();
      if (!connected) reject(err instanceof OpencodeHttpError ? err : new OpencodeHttpError(`GET /event failed: ${err.message}`, undefined, undefined, { cause: err }));
    };
    req.once('error', fail);
    req.once('close', () => {
      clearTimeout(timer);
      endStream();
      if (!connected) reject(new OpencodeHttpError('GET /event: the stream closed before it connected'));
    });
    req.once('response', (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        fail(new OpencodeHttpError(`GET /event answered ${res.statusCode}`, res.statusCode));
        req.destroy();
        return;
      }
      const decoder = new StringDecoder('utf8');
      let pending = '';
      let data: string[] = [];
      const dispatch = (): void => {
        if (data.length === 0) return;
        const text = data.join('\n');
        data = [];
        let parsed: ReturnType<typeof opencodeEventSchema.safeParse>;
        try {
          parsed = opencodeEventSchema.safeParse(JSON.parse(text));
        } catch {
          return;
        }
        if (!parsed.success) return;
        if (!connected) {
          if (parsed.data.type !== 'server.connected') return;
          connected = true;
          clearTimeout(timer);
          resolve(stream);
          return;
        }
        try {
          onEvent(parsed.data);
        } catch {
          // The listener's failure is its own.
        }
      };
      res.on('data', (chunk: Buffer) => {
        pending += decoder.write(chunk);
        let nl: number;
        while ((nl = pending.indexOf('\n')) >= 0) {
          const line = pending.slice(0, nl).replace(/\r$/, '');
          pending = pending.slice(nl + 1);
          if (line === '') dispatch();
          else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
        }
      });
      res.once('error', fail);
    });
    req.end();
  });
}
