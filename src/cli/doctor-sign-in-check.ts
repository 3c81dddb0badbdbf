import type { InstanceSettings } from '../config/instances-file.js';
import { signInFromEnv } from '../config/sign-in-apps.js';
import { ok, type DoctorCheck } from './doctor-check.js';

/**
 * The `dashboard sign-in` line of `kugetsu doctor`: with which of `instances` people can sign in to
 * the dashboard, decided as `kugetsu serve` decides it (`signInFromEnv`), and the one redirect URI
 * each of their OAuth2 applications must register (`<KUGETSU_PUBLIC_URL>/auth/callback`; README
 * "Sign in with Gitea"). `ok` naming them, or `ok` "off" when none offers sign-in (only the admin
 * token opens the dashboard then); `undefined` when the settings have problems (an incomplete
 * OAuth2 setting, a public URL that is not an http(s) URL), which the `configuration` line already
 * names. Never throws.
 */
export function checkSignIn(env: Record<string, string | undefined>, instances: readonly InstanceSettings[]): DoctorCheck | undefined {
  const signIn = signInFromEnv(env, instances);
  if (!signIn) return undefined;
  if (signIn.apps.length === 0 || signIn.redirectUrl === undefined) {
    return ok('dashboard sign-in', 'off: no instance has an OAuth2 application for kugetsu, so only the admin token opens the dashboard');
  }
  const names = signIn.apps.map((app) => (instances.length > 1 ? `${app.name} (${app.host})` : app.host)).join(', ');
  return ok('dashboard sign-in', `with ${names}; each OAuth2 application's redirect URI must be ${signIn.redirectUrl}`);
}
