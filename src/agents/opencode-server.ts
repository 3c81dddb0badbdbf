import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { z } from 'zod';
import { opencodeAuthorization, opencodeRequest, type OpencodeEndpoint } from './opencode-http.js';
import { killProcessGroup, spawnGroupLeader, trackProcessGroup, untrackProcessGroup } from './process-groups.js';
import type { TurnSandbox } from './turn-sandbox.js';

/** Options of {@link OpencodeServer}. */
export interface OpencodeServerOptions {
  /** The opencode binary: a name on `env.PATH` or a path. */
  bin: string;
  /** The server's whole environment (the agents' allowlist; the password is added). Its turns' tools inherit it. */
  env: Record<string, string>;
  /** Where the server runs (`AgentSandbox.forServer`, or `NO_SANDBOX`). */
  sandbox: TurnSandbox;
  /** The server's directory: its working directory and `server.log` (its stdout and stderr); created when missing. */
  dir: string;
  /** How long a start may take until the server answers, in ms. Default 120 000 (a first start on a busy 2-core machine took 18 s). */
  startTimeoutMs?: number;
  /** ms between SIGTERM and SIGKILL to the server's process group when it is stopped. Default 5000. */
  killGraceMs?: number;
}

/** One running generation of the server. */
export interface OpencodeServerHandle extends OpencodeEndpoint {
  /** Pid of the process kugetsu started (bwrap in the sandbox, else opencode), also its process group id. */
  pid: number;
  /** Settles when this generation's process exited, with how. Never rejects. */
  exited: Promise<{ code: number | null; signal: string | null }>;
}

/** Why the server could not be started: what to tell the user. */
export class OpencodeServerStartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OpencodeServerStartError';
  }
}

const LISTENING = /opencode server listening on (http:\/\/127\.0\.0\.1:\d+)/;
const healthSchema = z.object({ healthy: z.literal(true), version: z.string() }).loose();

/** A free TCP port on 127.0.0.1 (bound once by the kernel's choice, then released). */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** What to tell the user when `opencode serve` could not be spawned (`code`: the spawn error's, e.g. `ENOENT`). */
function spawnErrorText(bin: string, code: string | undefined): string {
  return code === 'ENOENT'
    ? `opencode binary '${bin}' not found on PATH; set KUGETSU_OPENCODE_BIN (npm package opencode-ai)`
    : `opencode serve could not be started (${code ?? 'unknown error'})`;
}

/**
 * One `opencode serve` (opencode-ai 1.18.33) kugetsu keeps warm: started on the first
 * {@link ensure}, kept running for later turns, started again by the next {@link ensure} after it
 * died (crash, killed). It listens on a free port of 127.0.0.1 only (`--hostname 127.0.0.1
 * --port <n>`), with HTTP Basic auth by a random password per start (`OPENCODE_SERVER_PASSWORD`,
 * opencode's `ServerAuth`); it is ready when it printed `opencode server listening on <url>` and
 * `GET /global/health` answers. It runs as the leader of its own process group (through
 * `options.sandbox`), killed with the whole group by {@link stop} or when kugetsu exits
 * (`killLiveProcessGroups`).
 */
export class OpencodeServer {
  private current: Promise<OpencodeServerHandle> | undefined;
  private live: OpencodeServerHandle | undefined;
  private stopping = false;

  constructor(private readonly options: OpencodeServerOptions) {}

  /** The live generation, if one is running (no start). */
  get running(): OpencodeServerHandle | undefined {
    return this.live;
  }

  /**
   * The running server, started when there is none (callers at the same time share one start).
   * Rejects with {@link OpencodeServerStartError} (binary missing, sandbox refused, exited early,
   * not ready within `startTimeoutMs`); the next call tries again.
   */
  ensure(): Promise<OpencodeServerHandle> {
    if (this.stopping) return Promise.reject(new OpencodeServerStartError('kugetsu is stopping; the opencode server is not started again'));
    if (!this.current) {
      const attempt = this.start();
      this.current = attempt;
      attempt.catch(() => {
        if (this.current === attempt) this.current = undefined;
      });
    }
    return this.current;
  }

  /** Kills the live generation's process group (SIGTERM, SIGKILL after the grace period) and waits for it; later {@link ensure} calls start a new one. */
  async restart(): Promise<void> {
    const handle = this.live;
    if (!handle) return;
    await this.kill(handle);
  }

  /** Stops the server for good (kugetsu is stopping): SIGTERM to its group, SIGKILL after the grace period. Never rejects. */
  async stop(): Promise<void> {
    this.stopping = true;
    const pending = this.current;
    if (!pending) return;
    const handle = await pending.catch(() => undefined);
    if (handle) await this.kill(handle);
  }

  private async kill(handle: OpencodeServerHandle): Promise<void> {
    killProcessGroup(handle.pid, 'SIGTERM');
    const grace = setTimeout(() => killProcessGroup(handle.pid, 'SIGKILL'), this.options.killGraceMs ?? 5000);
    await handle.exited;
    clearTimeout(grace);
  }

  private async start(): Promise<OpencodeServerHandle> {
    const o = this.options;
    await mkdir(o.dir, { recursive: true, mode: 0o700 });
    const password = randomBytes(24).toString('base64url');
    const port = await freePort();
    const env = { ...o.env, OPENCODE_SERVER_PASSWORD: password };
    const prepared = await o.sandbox.prepare(o.bin, ['serve', '--hostname', '127.0.0.1', '--port', String(port)], env, o.dir);
    if ('startError' in prepared) {
      const { code, message } = prepared.startError;
      throw new OpencodeServerStartError(message ?? spawnErrorText(o.bin, code));
    }
    const log = createWriteStream(path.join(o.dir, 'server.log'), { flags: 'a', mode: 0o600 });
    const sub = spawnGroupLeader(prepared.command, prepared.args, { cwd: o.dir, env: prepared.env });
    const pid = sub.pid;
    if (pid === undefined) {
      const r = (await sub.catch((e: unknown) => e)) as { code?: string };
      log.end();
      throw new OpencodeServerStartError(spawnErrorText(o.bin, r.code));
    }
    trackProcessGroup(pid);
    let head = '';
    let announced: ((url: string) => void) | undefined;
    const listening = new Promise<string>((resolve) => (announced = resolve));
    for (const stream of [sub.stdout, sub.stderr]) {
      stream?.on('data', (chunk: Buffer) => {
        log.write(chunk);
        if (head.length < 4000) {
          head += chunk.toString('utf8');
          const m = LISTENING.exec(head);
          if (m) announced?.(m[1]!);
        }
      });
    }
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => {
      sub.once('exit', (code, signal) => {
        untrackProcessGroup(pid);
        // Whatever is left of the group (the sandbox's processes) goes too.
        killProcessGroup(pid, 'SIGKILL');
        log.end();
        if (this.live?.pid === pid) {
          // This generation is over: the next ensure() starts a new one.
          this.live = undefined;
          this.current = undefined;
        }
        resolve({ code, signal });
      });
    });
    void sub.catch(() => undefined);

    const timeoutMs = o.startTimeoutMs ?? 120_000;
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      listening.then((url) => ({ url })),
      exited.then((e) => ({ exited: e })),
      new Promise<{ timeout: true }>((resolve) => (timer = setTimeout(() => resolve({ timeout: true }), timeoutMs))),
    ]);
    clearTimeout(timer);
    const why = (): string => head.trim().split('\n').slice(-5).join(' | ').slice(0, 600);
    if ('exited' in outcome) {
      throw new OpencodeServerStartError(`opencode serve exited at start (${outcome.exited.signal ?? `exit ${outcome.exited.code}`})${why() ? `: ${why()}` : ''}`);
    }
    const handle: OpencodeServerHandle = { pid, exited, url: '', authorization: opencodeAuthorization(password) };
    if ('timeout' in outcome) {
      await this.kill(handle);
      throw new OpencodeServerStartError(`opencode serve did not say it was listening within ${timeoutMs} ms; it was stopped${why() ? ` (${why()})` : ''}`);
    }
    handle.url = outcome.url;
    try {
      await opencodeRequest(handle, 'GET', '/global/health', { schema: healthSchema, timeoutMs: 30_000 });
    } catch (err) {
      await this.kill(handle);
      throw new OpencodeServerStartError(`opencode serve did not answer its health check: ${(err as Error).message}`);
    }
    this.live = handle;
    return handle;
  }
}
