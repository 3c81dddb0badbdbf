/**
 * Who is looking at the dashboard or calling its API:
 * - `admin`: the request carried `Authorization: Bearer <admin token>` (src/admin/admin-token.ts);
 *   sees every job and may cancel and retry any; exempt from CSRF checks (no cookie involved).
 * - `person`: signed in with Gitea (OAuth2) on one instance; sees only jobs of that instance's
 *   repositories that instance lets them read,
 *   may cancel and retry only with the role `/kugetsu stop|retry` needs. `csrfToken` must come back
 *   in the `X-CSRF-Token` header (or the `_csrf` form field) of every state-changing request.
 * - `anonymous`: neither; sees nothing (`/` shows the sign-in page, `/api/*` answers 401).
 */
export type Viewer =
  | { kind: 'admin' }
  | {
      kind: 'person';
      /** Gitea login, as Gitea spells it (`GET /api/v1/user` `login`). */
      login: string;
      /** Gitea user id. */
      id: number;
      /** The session's CSRF token (hex); the same for the whole session. */
      csrfToken: string;
      /** When the session ends, ms since the epoch. */
      expiresAt: number;
      /**
       * The name of the Gitea/Forgejo instance the person signed in on (absent: the first). They
       * are a user of that instance only: jobs of another instance are hidden from them.
       */
      instance?: string;
    }
  | { kind: 'anonymous' };

/** The Hono environment of every web route: the middleware of `viewer-middleware.ts` sets `viewer`. */
export type WebEnv = { Variables: { viewer: Viewer } };
