import { http, HttpResponse, type HttpHandler } from 'msw';
import { DROP, type FakeGitea } from './fake-gitea.js';

/**
 * msw handlers that send every request under the fake's `baseUrl` (default `http://gitea.test`)
 * to it: `setupServer(...fakeGiteaHandlers(fake))`. A dropped connection (fault or `goDown()`)
 * becomes `HttpResponse.error()`, which `fetch` reports as `TypeError: Failed to fetch`.
 * Kept apart from `fake-gitea.ts` so that the demo's HTTP server does not need msw (a dev dependency).
 */
export function fakeGiteaHandlers(fake: FakeGitea): HttpHandler[] {
  return [
    http.all(`${fake.baseUrl}/*`, async ({ request }) => {
      const response = await fake.handle(request);
      return response === DROP ? HttpResponse.error() : response;
    }),
  ];
}

/** Host names that {@link onUnhandledExceptLoopback} lets through. */
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/**
 * An msw `onUnhandledRequest` callback: like `'error'` (the request fails and msw prints which
 * one), except for requests to 127.0.0.1 / localhost / ::1, which go to the network — msw's own
 * `'error'` would also block a test's calls to its local servers (stack-notes: msw 2.x).
 * Use: `setupServer(...).listen({ onUnhandledRequest: onUnhandledExceptLoopback })`.
 */
export function onUnhandledExceptLoopback(request: Request, print: { error(): void }): void {
  if (LOOPBACK.has(new URL(request.url).hostname)) return;
  print.error();
}
