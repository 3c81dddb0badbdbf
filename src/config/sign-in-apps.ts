import type { Config } from './config.js';
import type { InstanceSettings } from './instances-file.js';
import { readWebSettings } from './web-settings.js';

/** One instance's OAuth2 application for dashboard sign-in (see README "Sign in with Gitea"). */
export interface SignInApp {
  /** The instance's name (`/auth/login?instance=<name>`). */
  name: string;
  /** Its host, shown on the sign-in button with several instances. */
  host: string;
  /** Its base URL: the authorize, token and user endpoints are on this origin only. */
  url: string;
  clientId: string;
  clientSecret: string;
  /** What a session of a person signed in here records (`undefined` for the first instance). */
  sessionInstance: string | undefined;
}

/**
 * The instances after the first whose own OAuth2 application the instances file names
 * (`oauth_client_id_env`/`oauth_client_secret_env`): their sign-in needs `KUGETSU_PUBLIC_URL`, and
 * `readWebSettings` takes their names to say so.
 */
export function otherSignInInstances(instances: readonly InstanceSettings[]): string[] {
  return instances.slice(1).flatMap((i) => (i.oauth ? [i.name] : []));
}

/**
 * The instances people can sign in to the dashboard with, first one first: the first instance's
 * application is `KUGETSU_OAUTH_CLIENT_ID`/`_SECRET` (else its instances-file keys), every other
 * instance's its `oauth_client_id_env`/`oauth_client_secret_env`. All share one redirect URI,
 * `<KUGETSU_PUBLIC_URL>/auth/callback`; without `KUGETSU_PUBLIC_URL` (no `config.web.signIn` nor
 * `config.web.oauth`) nobody can sign in and the list is empty. Never throws.
 */
export function signInApps(config: Pick<Config, 'web'>, instances: readonly InstanceSettings[]): SignInApp[] {
  if (!config.web?.signIn && !config.web?.oauth) return [];
  return instances.flatMap((instance, n) => {
    const app = n === 0 ? (config.web?.oauth ?? instance.oauth) : instance.oauth;
    if (!app) return [];
    return [
      { name: instance.name, host: instance.host, url: instance.url, clientId: app.clientId, clientSecret: app.clientSecret, sessionInstance: n === 0 ? undefined : instance.name },
    ];
  });
}

/**
 * Dashboard sign-in as `kugetsu serve` would offer it with `env` and `instances` (for the CLI,
 * which reads no whole configuration): the applications ({@link signInApps}) and the one redirect
 * URI they all register (`<KUGETSU_PUBLIC_URL>/auth/callback`, set whenever `apps` is not empty).
 * `undefined` when the dashboard's settings have problems (`readWebSettings` names them; the
 * configuration check reports them). Never throws.
 */
export function signInFromEnv(env: Record<string, string | undefined>, instances: readonly InstanceSettings[]): { apps: SignInApp[]; redirectUrl: string | undefined } | undefined {
  const web = readWebSettings(env, otherSignInInstances(instances));
  if ('problems' in web) return undefined;
  return { apps: signInApps({ web: web.settings }, instances), redirectUrl: web.settings.signIn?.redirectUrl };
}
