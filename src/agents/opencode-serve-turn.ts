import { createWriteStream } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { OpencodeEventRelay } from './opencode-event-relay.js';
import { OpencodeEvents, opencodeTailLine } from './opencode-events.js';
import { OpencodeHttpError, openOpencodeEvents, opencodeRequest, type OpencodeEventStream } from './opencode-http.js';
import type { OpencodeServer, OpencodeServerHandle } from './opencode-server.js';
import { OutputTail } from './output-tail.js';
import { reportUsage } from './report-usage.js';
import type { AgentOutcome, AgentTurn } from './types.js';

/** What {@link runOpencodeServeTurn} needs besides the turn. */
export interface OpencodeServeTurnOptions {
  /** The warm server the turn goes through (started here when it is not running). */
  server: OpencodeServer;
  /** `provider/model` for the message, e.g. `"anthropic/claude-sonnet-4"`. Default: opencode's configured model. */
  model?: string;
  /** The opencode agent for the message (`--agent=<name>` of the adapter's extra arguments). Default: opencode's. */
  agent?: string;
  /** Title of a new session. */
  title: string;
  /** The words before the prompt file's text (as in `opencode run`: `<words>\n<file text>`). */
  instruction: string;
  /** ms the server gets to end an aborted turn before its process group is killed. */
  killGraceMs: number;
  /** Streaming consumer of the turn's output lines (the same JSON lines as `opencode run --format json`). */
  onLine?: (line: string) => void;
}

/**
 * Permissions of a session kugetsu creates: those `opencode run` gives its own sessions (opencode
 * 1.18.33: the `question`, `plan_enter` and `plan_exit` tools denied, for nobody is there to answer).
 */
export const OPENCODE_RUN_PERMISSIONS = [
  { permission: 'question', action: 'deny', pattern: '*' },
  { permission: 'plan_enter', action: 'deny', pattern: '*' },
  { permission: 'plan_exit', action: 'deny', pattern: '*' },
] as const;

const sessionSchema = z.object({ id: z.string().min(1), directory: z.string().optional() }).loose();
const messageSchema = z.object({ info: z.object({ id: z.string().optional(), error: z.unknown().optional() }).loose(), parts: z.array(z.unknown()).optional() }).loose();

type Stop = 'timeout' | 'cancel';

/**
 * One turn through a warm `opencode serve` (opencode-ai 1.18.33 HTTP API, OpenAPI at `/doc`):
 * the session is created (`POST /session?directory=<worktree>` with the title and
 * {@link OPENCODE_RUN_PERMISSIONS}) or looked up (`GET /session/{id}?directory=…`; unknown → the
 * outcome says `sessionRejected`, as `opencode run --session` does); the events of the worktree's
 * instance are followed (`GET /event?directory=…`) and written to the log as `opencode run
 * --format json` lines (see {@link OpencodeEventRelay}); the prompt (`instruction\n<prompt file>`)
 * is sent as one text part (`POST /session/{id}/message?directory=…`, answered when the turn ended);
 * a permission request is rejected as `opencode run` without `--auto` does
 * (`POST /permission/{id}/reply {reply: "reject"}`).
 *
 * Limits: at `turn.timeoutMs` (counted from the call, the server's start included) or when
 * `turn.signal` aborts, the session is aborted on the server (`POST /session/{id}/abort`); when the
 * turn has not ended `killGraceMs` later, the server's process group is killed (the next turn starts
 * a new server). When the server dies during the turn, the turn ends at once with `agentError`.
 *
 * Outcome as the cold adapter's: `exitCode` 0 (ended without error), 1 (an `error` event, a refused
 * request), `null` (timed out, canceled, server died); `sessionId`, `summary` (last text, else last
 * error), `usage` (sum of the `step_finish` parts), `outputTail` (readable lines); `startError` when
 * the server could not start. Throws only when the prompt file is not readable (kugetsu's own bug).
 */
export async function runOpencodeServeTurn(turn: AgentTurn, o: OpencodeServeTurnOptions): Promise<AgentOutcome> {
  const started = Date.now();
  const prompt = await readFile(turn.promptFile, 'utf8').catch((err: unknown) => {
    throw new Error(`prompt file ${turn.promptFile} is not readable`, { cause: err });
  });
  const events = new OpencodeEvents((usage) => reportUsage(turn, { ...usage, ...(o.model ? { model: o.model } : {}) }));
  const tail = new OutputTail();
  let sessionId = turn.sessionId;
  const finish = (over: Partial<AgentOutcome>): AgentOutcome => {
    const out: AgentOutcome = {
      exitCode: null,
      signal: null,
      timedOut: false,
      canceled: false,
      durationMs: Date.now() - started,
      sessionId: events.sessionId ?? sessionId,
      outputTail: '',
      ...over,
    };
    if (events.usage && out.usage === undefined) out.usage = { ...events.usage, ...(o.model ? { model: o.model } : {}) };
    const summary = events.lastText ?? events.errors.at(-1) ?? out.agentError;
    if (summary !== undefined && out.summary === undefined) out.summary = summary;
    out.outputTail = tail.toString();
    return out;
  };
  if (turn.signal?.aborted) return finish({ canceled: true });

  await mkdir(path.dirname(turn.logFile), { recursive: true });
  const log = createWriteStream(turn.logFile, { flags: 'a' });
  // An unwritable log file is kugetsu's own fault: the call rejects, as runProcess does.
  await new Promise<void>((resolve, reject) => {
    log.once('open', () => resolve());
    log.once('error', reject);
  });
  let logClosed = false;
  const write = (line: string): void => {
    if (logClosed) return;
    const text = turn.redact ? turn.redact(`${line}\n`) : `${line}\n`;
    log.write(text);
    try {
      turn.onOutput?.(text);
    } catch {
      // The consumer's failure is its own.
    }
    events.line(line);
    const readable = opencodeTailLine(line);
    if (readable !== undefined) tail.push('out', `${readable}\n`);
    o.onLine?.(line);
  };

  // Timeout and cancel, whichever comes first; both end the turn on the server.
  let stopped: Stop | undefined;
  let onStop: (why: Stop) => void = () => undefined;
  const stop = new Promise<Stop>((resolve) => (onStop = resolve));
  const halt = (why: Stop): void => {
    if (stopped) return;
    stopped = why;
    onStop(why);
  };
  const timer = setTimeout(() => halt('timeout'), turn.timeoutMs);
  const abort = (): void => halt('cancel');
  turn.signal?.addEventListener('abort', abort, { once: true });
  const stoppedOutcome = (why: Stop, extra: Partial<AgentOutcome> = {}): AgentOutcome => finish({ timedOut: why === 'timeout', canceled: why === 'cancel', ...extra });

  let stream: OpencodeEventStream | undefined;
  try {
    // 1. The server (started now when none is running).
    const ensured = o.server.ensure().then(
      (h) => ({ handle: h }),
      (err: unknown) => ({ error: (err as Error).message }),
    );
    const first = await Promise.race([ensured, stop.then((why) => ({ stopped: why }))]);
    if ('stopped' in first) {
      write(`kugetsu: the opencode server was still starting when the turn was ${first.stopped === 'timeout' ? 'timed out' : 'canceled'}`);
      return stoppedOutcome(first.stopped);
    }
    if ('error' in first) return finish({ startError: `the opencode server could not be started: ${first.error}` });
    const server: OpencodeServerHandle = first.handle;
    const died = server.exited.then((e) => ({ died: e }));
    const dirQuery = { directory: turn.worktree };
    const diedOutcome = (e: { code: number | null; signal: string | null }): AgentOutcome => {
      const how = e.signal ?? `exit ${e.code}`;
      const why = `the opencode server (pid ${server.pid}) died during the turn (${how}); the next turn starts a new one`;
      write(`kugetsu: ${why}`);
      return finish({ signal: e.signal, agentError: why });
    };
    /** One request raced against the server's death and (unless `unstoppable`) the turn's stop. */
    const call = async <T>(
      p: Promise<T>,
      unstoppable = false,
    ): Promise<{ ok: T } | { failed: OpencodeHttpError } | { died: { code: number | null; signal: string | null } } | { stopped: Stop }> =>
      Promise.race([
        p.then(
          (ok) => ({ ok }),
          (err: unknown) => ({ failed: err instanceof OpencodeHttpError ? err : new OpencodeHttpError(String(err)) }),
        ),
        died,
        ...(unstoppable ? [] : [stop.then((why) => ({ stopped: why }))]),
      ]);

    // 2. The session: continued, or created in the worktree.
    if (sessionId !== undefined) {
      const got = await call(opencodeRequest(server, 'GET', `/session/${encodeURIComponent(sessionId)}`, { query: dirQuery, schema: sessionSchema, timeoutMs: 60_000 }));
      if ('stopped' in got) return stoppedOutcome(got.stopped);
      if ('died' in got) return diedOutcome(got.died);
      if ('failed' in got) {
        if (got.failed.status === 404 || got.failed.status === 400) {
          write(`Error: Session not found (${got.failed.message})`);
          const rejected = sessionId;
          sessionId = undefined;
          return finish({
            exitCode: 1,
            sessionRejected: true,
            sessionId: undefined,
            summary: `opencode rejected session ${rejected} (Session not found); run the turn again without a session`,
          });
        }
        write(`kugetsu: the opencode server did not answer for session ${sessionId}: ${got.failed.message}`);
        return finish({ exitCode: 1, agentError: `the opencode server did not answer: ${got.failed.message}` });
      }
    } else {
      const body = { title: o.title, permission: OPENCODE_RUN_PERMISSIONS };
      const created = await call(opencodeRequest(server, 'POST', '/session', { query: dirQuery, body, schema: sessionSchema, timeoutMs: 60_000 }));
      if ('stopped' in created) return stoppedOutcome(created.stopped);
      if ('died' in created) return diedOutcome(created.died);
      if ('failed' in created) {
        write(`kugetsu: the opencode server could not create a session: ${created.failed.message}`);
        return finish({ exitCode: 1, agentError: `the opencode server could not create a session: ${created.failed.message}` });
      }
      sessionId = created.ok.id;
    }
    const session = sessionId;

    // 3. Its events, followed before the message is sent so that none is missed.
    const relay = new OpencodeEventRelay(session, write, (req) => {
      write(`! permission requested: ${req.permission} (${req.patterns.join(', ')}); auto-rejecting`);
      void opencodeRequest(server, 'POST', `/permission/${encodeURIComponent(req.id)}/reply`, {
        query: dirQuery,
        body: { reply: 'reject' },
        schema: z.unknown(),
        timeoutMs: 30_000,
      }).catch((err: unknown) => write(`kugetsu: could not reject permission ${req.id}: ${(err as Error).message}`));
    });
    const subscribed = await call(openOpencodeEvents(server, turn.worktree, (ev) => relay.handle(ev)));
    if ('stopped' in subscribed) return stoppedOutcome(subscribed.stopped);
    if ('died' in subscribed) return diedOutcome(subscribed.died);
    if ('failed' in subscribed) {
      write(`kugetsu: could not follow the opencode server's events: ${subscribed.failed.message}`);
      return finish({ exitCode: 1, agentError: `could not follow the opencode server's events: ${subscribed.failed.message}` });
    }
    stream = subscribed.ok;

    // 4. The message; answered when the turn ended.
    const slash = o.model?.indexOf('/') ?? -1;
    const body = {
      parts: [{ type: 'text', text: `${o.instruction}\n${prompt}` }],
      ...(o.model && slash > 0 ? { model: { providerID: o.model.slice(0, slash), modelID: o.model.slice(slash + 1) } } : {}),
      ...(o.agent ? { agent: o.agent } : {}),
    };
    const giveUp = new AbortController();
    relay.expectBusy();
    const message = opencodeRequest(server, 'POST', `/session/${encodeURIComponent(session)}/message`, { query: dirQuery, body, schema: messageSchema, signal: giveUp.signal });
    const answer = await call(message);
    if ('stopped' in answer) {
      const why = answer.stopped;
      // The turn ends on the server; if it does not within the grace period, the server goes.
      const aborted = await call(
        opencodeRequest(server, 'POST', `/session/${encodeURIComponent(session)}/abort`, { query: dirQuery, schema: z.unknown(), timeoutMs: o.killGraceMs }),
        true,
      );
      write(
        `kugetsu: turn ${why === 'timeout' ? `timed out after ${turn.timeoutMs} ms` : 'canceled'}; ${'ok' in aborted ? 'aborted on the opencode server' : `the abort request failed (${'failed' in aborted ? aborted.failed.message : 'the server died'})`}`,
      );
      let graceTimer: NodeJS.Timeout | undefined;
      const settled = await Promise.race([
        message.then(
          () => 'ended' as const,
          () => 'ended' as const,
        ),
        died.then(() => 'died' as const),
        new Promise<'grace'>((resolve) => (graceTimer = setTimeout(() => resolve('grace'), o.killGraceMs))),
      ]);
      clearTimeout(graceTimer);
      if (settled === 'grace') {
        write(`kugetsu: the opencode server did not end the turn within ${o.killGraceMs} ms of the abort; its process group is killed (the next turn starts a new one)`);
        giveUp.abort();
        await o.server.restart();
      }
      return stoppedOutcome(why);
    }
    if ('died' in answer) {
      giveUp.abort();
      return diedOutcome(answer.died);
    }
    if ('failed' in answer && answer.failed.status === undefined) {
      // A broken connection: usually the server died; give its exit a moment to be seen.
      const gone = await Promise.race([died, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 2000))]);
      if (gone) return diedOutcome(gone.died);
    }
    if ('failed' in answer) {
      write(JSON.stringify({ type: 'error', timestamp: Date.now(), sessionID: session, error: { name: 'RequestError', data: { message: answer.failed.message } } }));
      return finish({ exitCode: 1 });
    }
    // The last events (the final step, idle) may trail the answer a little.
    for (let waited = 0; !relay.idle && waited < 3000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
    const error = answer.ok.info.error;
    if (error !== undefined && relay.errors === 0) {
      write(JSON.stringify({ type: 'error', timestamp: Date.now(), sessionID: session, error }));
    }
    return finish({ exitCode: relay.errors > 0 || error !== undefined ? 1 : 0 });
  } finally {
    clearTimeout(timer);
    turn.signal?.removeEventListener('abort', abort);
    stream?.close();
    logClosed = true;
    await new Promise<void>((resolve) => log.end(() => resolve()));
  }
}
