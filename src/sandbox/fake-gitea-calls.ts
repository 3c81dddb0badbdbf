import { isDeepStrictEqual } from 'node:util';

/**
 * One request the fake Gitea received. `path` is the raw (still percent-encoded) path after
 * `/api/v1`, with the query string (`/repos/o/r/issues?state=open&labels=ready`); `status` is what
 * it answered (0 when the connection was dropped); `body` is the request's JSON body (the text if
 * not JSON, undefined if empty).
 */
export interface FakeGiteaCall {
  method: string;
  path: string;
  status: number;
  body: unknown;
  /** True when the fake handled the request (`status` is what it did) but a `loseResponse` fault dropped the answer. */
  lost?: true;
}

/**
 * A call a test expects: `"POST /repos/o/r/issues/1/comments"` (method and exact path), or an
 * object whose `path` is exact or a RegExp, and whose optional `status` and `body` (deep-equal)
 * must match too.
 */
export type ExpectedCall = string | { method: string; path: string | RegExp; status?: number; body?: unknown };

/** Options of {@link assertCalls}. */
export interface ExpectCallsOptions {
  /** Require the calls in this order (default true); false for concurrent code. */
  ordered?: boolean;
}

/** True when `call` is the one `expected` describes. */
export function callMatches(call: FakeGiteaCall, expected: ExpectedCall): boolean {
  const e: Exclude<ExpectedCall, string> = typeof expected === 'string' ? parseExpected(expected) : expected;
  if (call.method !== e.method.toUpperCase()) return false;
  if (typeof e.path === 'string' ? call.path !== e.path : !e.path.test(call.path)) return false;
  if (e.status !== undefined && call.status !== e.status) return false;
  if (e.body !== undefined && !isDeepStrictEqual(call.body, e.body)) return false;
  return true;
}

/**
 * Throws unless `actual` are exactly the `expected` calls: fails on a missing call and on an
 * unexpected one (and, when ordered, on a different order), with both lists in the message.
 */
export function assertCalls(actual: readonly FakeGiteaCall[], expected: readonly ExpectedCall[], options: ExpectCallsOptions = {}): void {
  const ordered = options.ordered ?? true;
  const used = new Set<number>();
  const missing: ExpectedCall[] = [];
  for (const e of expected) {
    const index = actual.findIndex((call, i) => !used.has(i) && callMatches(call, e));
    if (index === -1) missing.push(e);
    else used.add(index);
  }
  const unexpected = actual.filter((_c, i) => !used.has(i));
  const inOrder = !ordered || (actual.length === expected.length && actual.every((call, i) => callMatches(call, expected[i] as ExpectedCall)));
  if (missing.length === 0 && unexpected.length === 0 && inOrder) return;
  const lines = [
    'fake Gitea: the calls differ from the expected ones',
    missing.length > 0 ? `missing:\n${missing.map((e) => `  ${describeExpected(e)}`).join('\n')}` : '',
    unexpected.length > 0 ? `unexpected:\n${unexpected.map((c) => `  ${describeCall(c)}`).join('\n')}` : '',
    missing.length === 0 && unexpected.length === 0 ? 'same calls, different order' : '',
    `expected:\n${expected.map((e) => `  ${describeExpected(e)}`).join('\n') || '  (none)'}`,
    `actual:\n${actual.map((c) => `  ${describeCall(c)}`).join('\n') || '  (none)'}`,
  ];
  throw new Error(lines.filter(Boolean).join('\n'));
}

/** `"POST /path → 201 {body}"`. */
export function describeCall(call: FakeGiteaCall): string {
  const body = call.body === undefined ? '' : ` ${JSON.stringify(call.body)}`;
  return `${call.method} ${call.path} → ${call.status === 0 ? 'dropped' : call.status}${body}`;
}

function describeExpected(e: ExpectedCall): string {
  if (typeof e === 'string') return e;
  const status = e.status === undefined ? '' : ` → ${e.status}`;
  const body = e.body === undefined ? '' : ` ${JSON.stringify(e.body)}`;
  return `${e.method.toUpperCase()} ${String(e.path)}${status}${body}`;
}

function parseExpected(text: string): { method: string; path: string } {
  const [method = '', ...rest] = text.trim().split(/\s+/);
  return { method, path: rest.join(' ') };
}
