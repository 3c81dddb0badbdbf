import type { Hono } from 'hono';
import { createFakeGiteaApp } from './fake-gitea-app.js';
import { assertCalls, type ExpectCallsOptions, type ExpectedCall, type FakeGiteaCall } from './fake-gitea-calls.js';
import { FakeGiteaFaults, type FakeFault } from './fake-gitea-faults.js';
import type { FakeGiteaEnv } from './fake-gitea-http.js';
import { FakeGiteaState, type FakeGiteaStateOptions } from './fake-gitea-state.js';

export type { ExpectedCall, FakeGiteaCall } from './fake-gitea-calls.js';
export type { FakeFault } from './fake-gitea-faults.js';
export type * from './fake-gitea-state.js';

/** What {@link FakeGitea.handle} returns for a request whose connection must be dropped. */
export const DROP = Symbol('fake-gitea-drop');

/**
 * An in-memory Gitea that honours `shared/docs/gitea-contract.md` and the Gitea v1.25.4 swagger
 * for the routes kugetsu uses (user, issues, comments, reactions, labels, permissions, commit
 * statuses, pulls, hooks), usable in-process through msw (`fakeGiteaHandlers` in
 * `fake-gitea-msw.ts`) or over a real socket (`startFakeGiteaServer`).
 *
 * - Seeding and reading: the {@link FakeGiteaState} methods (`addRepo`, `addLabel`, `addIssue`,
 *   `addPullRequest`, `addComment`, `addUser`, `setPermission`, `setBranch`, `issue`,
 *   `issueLabelNames`, `commentsOn`, `statusesOf`, `repo(...).hooks`…). The bot is `fake.bot`,
 *   its token `fake.token`.
 * - Call log: `calls`, `takeCalls()`, `expectCalls([...])` (fails on missing and on unexpected calls).
 * - Faults: `injectFault({...})` (a status, a dropped connection, or a lost answer after the write),
 *   `failNext(n, status | 'drop')`, `clearFaults()`, `goDown()`/`goUp()`.
 */
export class FakeGitea extends FakeGiteaState {
  /** The Hono app (without call log and faults). */
  readonly app: Hono<FakeGiteaEnv>;
  private readonly faults = new FakeGiteaFaults();
  private log: FakeGiteaCall[] = [];

  constructor(options: FakeGiteaStateOptions = {}) {
    super(options);
    this.app = createFakeGiteaApp(this);
  }

  /**
   * Answers one request: logs it, applies a pending fault or the down switch, else routes it.
   * Returns {@link DROP} when the transport must drop the connection.
   */
  async handle(request: Request): Promise<Response | typeof DROP> {
    const url = new URL(request.url);
    const path = url.pathname.replace(/^\/api\/v1(?=\/|$)/, '') + url.search;
    const body = await readBody(request.clone());
    const call: FakeGiteaCall = { method: request.method, path, status: 0, body };
    this.log.push(call);
    const fault = this.faults.take(request.method, path);
    if (fault?.kind === 'drop') return DROP;
    if (fault?.kind === 'status') {
      call.status = fault.status;
      const headers: Record<string, string> = { 'content-type': 'application/json;charset=utf-8' };
      if (fault.retryAfterSeconds !== undefined) headers['retry-after'] = String(fault.retryAfterSeconds);
      return new Response(JSON.stringify({ message: fault.message, url: `${this.baseUrl}/api/swagger` }), {
        status: fault.status,
        headers,
      });
    }
    const response = await this.app.fetch(request);
    call.status = response.status;
    if (fault?.kind === 'lose-response') {
      call.lost = true;
      return DROP;
    }
    return response;
  }

  /** Every call received since the last `takeCalls`/`expectCalls`, oldest first. */
  get calls(): readonly FakeGiteaCall[] {
    return this.log;
  }

  /** Returns the calls received so far and forgets them. */
  takeCalls(): FakeGiteaCall[] {
    const taken = this.log;
    this.log = [];
    return taken;
  }

  /**
   * Asserts that the calls received since the last take are exactly `expected` (in order unless
   * `{ordered: false}`), then forgets them. Throws an `Error` listing missing and unexpected calls.
   */
  expectCalls(expected: readonly ExpectedCall[], options?: ExpectCallsOptions): void {
    assertCalls(this.takeCalls(), expected, options);
  }

  /** Makes matching requests fail (see {@link FakeFault}). */
  injectFault(fault: FakeFault): void {
    this.faults.add(fault);
  }

  /** Makes the next `times` requests answer `status` (e.g. 503, 500, 429) or drop the connection. */
  failNext(times: number, answer: number | 'drop'): void {
    this.faults.add(answer === 'drop' ? { drop: true, times } : { status: answer, times });
  }

  /** Removes every pending fault. */
  clearFaults(): void {
    this.faults.clear();
  }

  /** Requests the pending faults will still affect. */
  pendingFaults(): number {
    return this.faults.pending();
  }

  /** Takes the fake "down": every request is dropped (logged with status 0) until {@link goUp}. */
  goDown(): void {
    this.faults.down = true;
  }

  /** Brings the fake back "up". */
  goUp(): void {
    this.faults.down = false;
  }

  /** True while the fake is down. */
  get isDown(): boolean {
    return this.faults.down;
  }
}

/** Creates a {@link FakeGitea} with its bot user (`options.botLogin`, token `options.token`). */
export function createFakeGitea(options: FakeGiteaStateOptions = {}): FakeGitea {
  return new FakeGitea(options);
}

async function readBody(request: Request): Promise<unknown> {
  if (request.method === 'GET' || request.method === 'HEAD') return undefined;
  const text = await request.text();
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
