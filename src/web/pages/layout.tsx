import type { Child } from 'hono/jsx';
import type { Viewer } from '../viewer.js';

/** The dashboard's pages, for the navigation's `aria-current`. */
export type PageName = 'overview' | 'queue' | 'history' | 'job' | 'sign-in' | 'not-found';

const NAV: Array<{ page: PageName; href: string; label: string }> = [
  { page: 'overview', href: '/', label: 'Overview' },
  { page: 'queue', href: '/queue', label: 'Queue' },
  { page: 'history', href: '/history', label: 'History' },
];

/** What every page passes to {@link Layout}. */
export interface LayoutProps {
  /** The page title (also the `<h1>`'s words, usually). */
  title: string;
  viewer: Viewer;
  page: PageName;
  /** True when the client script should follow the live events (`/api/events`) on this page. */
  live?: boolean;
  /** The job page's job id (the client tails its log). */
  jobId?: string;
  children?: Child;
}

/**
 * The page frame: skip link, header with the navigation and the viewer (sign-out form with the
 * CSRF token), `<main id="main" data-page>` and the one stylesheet and script, both served by
 * kugetsu (`/assets/…`); nothing inline (the Content-Security-Policy forbids inline script).
 */
export function Layout(props: LayoutProps) {
  const { viewer } = props;
  const signedIn = viewer.kind !== 'anonymous';
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light dark" />
        <meta name="referrer" content="same-origin" />
        {viewer.kind === 'person' ? <meta name="csrf-token" content={viewer.csrfToken} /> : null}
        <title>{`${props.title} · kugetsu`}</title>
        <link rel="icon" href="/assets/favicon.svg" type="image/svg+xml" />
        <link rel="stylesheet" href="/assets/dashboard.css" />
        <script src="/assets/dashboard.js" defer></script>
      </head>
      <body>
        <a class="skip-link" href="#main">
          Skip to content
        </a>
        <header class="site">
          <a class="brand" href="/">
            kugetsu
          </a>
          {signedIn ? (
            <nav aria-label="Dashboard">
              <ul>
                {NAV.map((item) => (
                  <li>
                    <a href={item.href} aria-current={item.page === props.page ? 'page' : undefined}>
                      {item.label}
                    </a>
                  </li>
                ))}
              </ul>
            </nav>
          ) : null}
          {signedIn ? (
            <div class="who">
              {props.live ? (
                <span id="live-status" class="live-status" role="status" aria-live="polite" data-state="connecting">
                  connecting…
                </span>
              ) : null}
              {viewer.kind === 'person' ? (
                <>
                  <span>
                    Signed in as <strong>{viewer.login}</strong>
                  </span>
                  <form method="post" action="/auth/logout">
                    <input type="hidden" name="_csrf" value={viewer.csrfToken} />
                    <button type="submit">Sign out</button>
                  </form>
                </>
              ) : (
                <span>admin token</span>
              )}
            </div>
          ) : null}
        </header>
        <main id="main" tabindex={-1} data-page={props.page} data-live={props.live ? '' : undefined} data-job-id={props.jobId}>
          {props.children}
        </main>
      </body>
    </html>
  );
}
