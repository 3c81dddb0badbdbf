/**
 * A fault to inject: answer `status` (e.g. 500, 503, 429) with Gitea's error shape, `drop` the
 * connection (the client sees a network error: `TypeError: fetch failed`), or `loseResponse`:
 * handle the request — the write happens — and then drop the connection, as when Gitea commits
 * and the answer never arrives (a timeout, a proxy reset). Applies to the next
 * `times` requests (default 1; `Infinity` for all) that match `method` and `path` (exact path
 * after `/api/v1`, with or without the query, or a RegExp tested on the path with query).
 */
export interface FakeFault {
  status?: number;
  drop?: boolean;
  loseResponse?: boolean;
  times?: number;
  method?: string;
  path?: string | RegExp;
  /** `message` of the error body. Default `fake Gitea: injected <status>`. */
  message?: string;
  /** Sent as `Retry-After` (seconds), e.g. with 429. */
  retryAfterSeconds?: number;
  /** Let the first `after` matching requests through unharmed (default 0), e.g. to fail only a later read. */
  after?: number;
}

/** What a matched fault makes the fake do with one request. */
export type FaultAction = { kind: 'drop' } | { kind: 'lose-response' } | { kind: 'status'; status: number; message: string; retryAfterSeconds?: number };

/**
 * Pending faults of the fake Gitea and its up/down switch. While down, every request is dropped.
 */
export class FakeGiteaFaults {
  private rules: { fault: FakeFault; left: number; skip: number }[] = [];
  /** True while the fake is "down". */
  down = false;

  /** Adds a fault; rules are tried in the order they were added. */
  add(fault: FakeFault): void {
    if (!fault.drop && !fault.loseResponse && fault.status === undefined) throw new Error('fake Gitea: a fault needs `status`, `drop` or `loseResponse`');
    this.rules.push({ fault, left: fault.times ?? 1, skip: fault.after ?? 0 });
  }

  /** Removes every pending fault (does not bring the fake back up). */
  clear(): void {
    this.rules = [];
  }

  /** Number of requests the pending faults will still affect (Infinity possible). */
  pending(): number {
    return this.rules.reduce((sum, r) => sum + r.left, 0);
  }

  /** The action for this request, consuming one use of the first matching rule; undefined if none. */
  take(method: string, path: string): FaultAction | undefined {
    if (this.down) return { kind: 'drop' };
    const pathOnly = path.split('?')[0] ?? path;
    const rule = this.rules.find(({ fault, left }) => {
      if (left <= 0) return false;
      if (fault.method && fault.method.toUpperCase() !== method) return false;
      if (fault.path === undefined) return true;
      return typeof fault.path === 'string' ? fault.path === path || fault.path === pathOnly : fault.path.test(path);
    });
    if (!rule) return undefined;
    if (rule.skip > 0) {
      rule.skip -= 1;
      return undefined;
    }
    rule.left -= 1;
    this.rules = this.rules.filter((r) => r.left > 0);
    const { fault } = rule;
    if (fault.drop) return { kind: 'drop' };
    if (fault.loseResponse) return { kind: 'lose-response' };
    const status = fault.status ?? 500;
    const action: FaultAction = { kind: 'status', status, message: fault.message ?? `fake Gitea: injected ${status}` };
    if (fault.retryAfterSeconds !== undefined) action.retryAfterSeconds = fault.retryAfterSeconds;
    return action;
  }
}
