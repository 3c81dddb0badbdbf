import { cloneUrlKind, isLoopbackHost } from './clone-url.js';

/** One git configuration entry given to a single git process through the environment. */
export interface GitConfigEntry {
  key: string;
  value: string;
}

/** User name put in the Basic credentials; Gitea ignores it when the password is a token. */
export const BASIC_AUTH_USER = 'kugetsu';

/**
 * The `http.<origin>/.extraHeader` entry that authenticates git over HTTP to Gitea with
 * `Authorization: Basic base64("kugetsu:<token>")`, or `undefined` when no header must be sent
 * (no token, a local path or `file://` URL, or plain `http://` to a non-loopback host where the
 * token would travel in clear text).
 *
 * Gitea accepts an access token as the Basic-auth password on git HTTP paths: go-gitea/gitea
 * `services/auth/basic.go`, `(*Basic).Verify` — Basic auth "should only fire on API, Download or
 * on Git or LFSPaths"; when the password is neither empty nor `x-oauth-basic` it is taken as the
 * token (`authToken = passwd`) and looked up with `auth_model.GetAccessTokenBySHA` before any
 * password sign-in, so the user name does not matter.
 *
 * The key is scoped to the remote's origin (scheme, host, port) so that git sends the header to
 * that host only; with `onlyOrigin` (the token's instance) a clone URL of any other origin gets
 * no header at all. The caller passes it via `GIT_CONFIG_COUNT`/`GIT_CONFIG_KEY_0`/
 * `GIT_CONFIG_VALUE_0` (git-config(1) "ENVIRONMENT"), never in argv or a file.
 */
export function httpAuthConfig(cloneUrl: string, token: string | undefined, onlyOrigin?: string): GitConfigEntry | undefined {
  if (!token) return undefined;
  const kind = cloneUrlKind(cloneUrl);
  if (kind !== 'https' && kind !== 'http') return undefined;
  const url = new URL(cloneUrl);
  if (kind === 'http' && !isLoopbackHost(url.hostname)) return undefined;
  // Several instances: a token belongs to one instance and never travels to another host.
  if (onlyOrigin !== undefined && url.origin !== new URL(onlyOrigin).origin) return undefined;
  const basic = Buffer.from(`${BASIC_AUTH_USER}:${token}`, 'utf8').toString('base64');
  return { key: `http.${url.origin}/.extraHeader`, value: `Authorization: Basic ${basic}` };
}
