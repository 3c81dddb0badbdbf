import type { Viewer } from '../viewer.js';
import { Layout } from './layout.js';

/**
 * The page `/` shows without a session or admin token: a "Sign in with Gitea" link (`/auth/login`)
 * when the OAuth application is set up — with several instances (`instances`), one "Sign in with
 * <name> (<host>)" link per instance that offers sign-in (`/auth/login?instance=<name>`) — else how
 * to set it up. It shows no job data. `problem`
 * explains why the last sign-in failed, when known (e.g. `?error=` from the callback).
 */
export function SignInPage(props: { viewer: Viewer; oauth: boolean; instances?: ReadonlyArray<{ name: string; host: string }>; problem?: string }) {
  return (
    <Layout title="Sign in" viewer={props.viewer} page="sign-in">
      <div class="signin">
        <div class="card">
          <h1>kugetsu</h1>
          <p>Coding agents working on this Gitea's issues. Sign in to see the jobs of the repositories you can read.</p>
          {props.problem ? (
            <p class="notice error" role="alert">
              {props.problem}
            </p>
          ) : null}
          {props.oauth && props.instances && props.instances.length > 0 ? (
            <ul class="sign-in-choices">
              {props.instances.map((i, n) => (
                <li>
                  <a class={n === 0 ? 'button primary' : 'button'} href={`/auth/login?instance=${encodeURIComponent(i.name)}`} id={`sign-in-${i.name}`} data-instance={i.name}>
                    Sign in with {i.name} ({i.host})
                  </a>
                </li>
              ))}
            </ul>
          ) : props.oauth ? (
            <p>
              <a class="button primary" href="/auth/login" id="sign-in">
                Sign in with Gitea
              </a>
            </p>
          ) : (
            <p class="muted">
              Sign-in with Gitea is not set up on this server (<code>KUGETSU_OAUTH_CLIENT_ID</code>, <code>KUGETSU_OAUTH_CLIENT_SECRET</code>, <code>KUGETSU_PUBLIC_URL</code>).
              Scripts can use the API with <code>Authorization: Bearer</code> and the admin token.
            </p>
          )}
        </div>
      </div>
    </Layout>
  );
}

/** A 404 page: no such job, or one the viewer may not see (the two look the same on purpose). */
export function NotFoundPage(props: { viewer: Viewer; what: string }) {
  return (
    <Layout title="Not found" viewer={props.viewer} page="not-found">
      <h1>Not found</h1>
      <p>{props.what}</p>
      <p>
        <a href="/">Back to the overview</a>
      </p>
    </Layout>
  );
}
