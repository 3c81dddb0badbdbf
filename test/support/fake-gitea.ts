import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { createFakeGitea, DROP, type FakeGitea } from '../../src/sandbox/fake-gitea.js';
import { fakeGiteaHandlers, onUnhandledExceptLoopback } from '../../src/sandbox/fake-gitea-msw.js';
import type { FakeGiteaStateOptions } from '../../src/sandbox/fake-gitea-state.js';

/** What {@link useFakeGitea} gives a test file. */
export interface FakeGiteaFixture {
  /** This test's fake (a new one per test). */
  readonly fake: FakeGitea;
  /** `http://gitea.test` (the fake's `baseUrl`, intercepted by msw). */
  readonly baseUrl: string;
}

/**
 * Installs msw for the test file (`onUnhandledRequest`: error, except loopback traffic) with a
 * fresh {@link FakeGitea} per test, seeded by `seed`. With `strict` (default true), a test fails
 * in `afterEach` when the fake received calls the test never took with `expectCalls`/`takeCalls`.
 */
export function useFakeGitea(options: FakeGiteaStateOptions & { seed?: (fake: FakeGitea) => void; strict?: boolean } = {}): FakeGiteaFixture {
  const server = setupServer();
  let current: FakeGitea | undefined;
  beforeAll(() => server.listen({ onUnhandledRequest: onUnhandledExceptLoopback }));
  beforeEach(() => {
    current = createFakeGitea(options);
    options.seed?.(current);
    server.resetHandlers(...fakeGiteaHandlers(current));
  });
  afterEach(() => {
    const left = current?.takeCalls() ?? [];
    if ((options.strict ?? true) && left.length > 0) {
      throw new Error(`fake Gitea: calls not asserted by the test:\n${left.map((c) => `  ${c.method} ${c.path} → ${c.status}`).join('\n')}`);
    }
  });
  afterAll(() => server.close());
  return {
    get fake(): FakeGitea {
      if (!current) throw new Error('useFakeGitea: fake used outside a test');
      return current;
    },
    get baseUrl(): string {
      return current?.baseUrl ?? 'http://gitea.test';
    },
  };
}

/**
 * Sends one request straight to the fake (no msw, no socket) as the bot unless `token` says
 * otherwise (`null` = no Authorization header); returns status, parsed JSON (or undefined) and
 * the raw text. A dropped connection yields status 0.
 */
export async function callFake(
  fake: FakeGitea,
  method: string,
  path: string,
  body?: unknown,
  token: string | null = fake.token,
): Promise<{ status: number; json: unknown; text: string; headers: Headers }> {
  const headers: Record<string, string> = {};
  if (token !== null) headers['authorization'] = `token ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const request = new Request(`${fake.baseUrl}/api/v1${path}`, {
    method,
    headers,
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const response = await fake.handle(request);
  if (response === DROP) return { status: 0, json: undefined, text: '', headers: new Headers() };
  const text = await response.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, json, text, headers: response.headers };
}
