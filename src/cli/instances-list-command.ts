import type { InstanceSettings } from '../config/instances-file.js';
import { signInFromEnv } from '../config/sign-in-apps.js';
import { createGiteaClient } from '../gitea/create-gitea-client.js';
import { EXIT } from './cli-error.js';
import { cliInstances } from './cli-instances.js';
import type { CommandContext } from './context.js';
import { printJson } from './output.js';
import { causeOf } from './post-delivery.js';

/** What `kugetsu instances list` finds out about one instance. */
export interface InstanceStatus {
  name: string;
  url: string;
  kind: 'gitea' | 'forgejo';
  /** True when `GET <url>/api/v1/version` answered 2xx with a version. */
  reachable: boolean;
  /** The version the server reports (`/api/v1/version`), e.g. `1.25.4` or Forgejo's `11.0.3+gitea-1.22.0`. */
  version?: string;
  /** The login of the token's user (`GET /api/v1/user`); absent when the server or the token failed. */
  user?: string;
  /** What failed, when something did (unreachable, HTTP status, token refused). */
  error?: string;
  /**
   * True when the dashboard offers sign-in with this instance (`KUGETSU_PUBLIC_URL` and its OAuth2
   * application: `KUGETSU_OAUTH_CLIENT_ID`/`_SECRET` for the first, the instances file's
   * `oauth_client_id_env`/`oauth_client_secret_env` for any), as `kugetsu serve` decides it.
   */
  signIn?: boolean;
}

const TIMEOUT_MS = 10_000;

/**
 * Probes one instance: `GET /api/v1/version` (no token; reachability) then `GET /api/v1/user` with
 * its token (whose token it is). Never throws: failures land in `error`. Each request times out
 * after 10 s.
 */
export async function probeInstance(instance: InstanceSettings, doFetch: typeof fetch = fetch): Promise<InstanceStatus> {
  const base = { name: instance.name, url: instance.url, kind: instance.kind };
  let version: string;
  try {
    const response = await doFetch(`${instance.url}/api/v1/version`, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(TIMEOUT_MS) });
    const body = (await response.json().catch(() => ({}))) as { version?: unknown };
    if (!response.ok || typeof body.version !== 'string') return { ...base, reachable: false, error: `${instance.url}/api/v1/version answered HTTP ${response.status}` };
    version = body.version;
  } catch (err) {
    return { ...base, reachable: false, error: `cannot reach ${instance.url}: ${causeOf(err)}` };
  }
  try {
    const me = await createGiteaClient({ baseUrl: instance.url, token: instance.token, fetch: doFetch }).currentUser();
    return { ...base, reachable: true, version, user: me.login };
  } catch (err) {
    return { ...base, reachable: true, version, error: `the token${instance.tokenEnv ? ` (${instance.tokenEnv})` : ''} is refused: ${(err as Error).message}` };
  }
}

/**
 * `kugetsu instances list [--json]`: every configured instance (KUGETSU_INSTANCES_FILE, or the one
 * of GITEA_URL) with its name, URL, kind, whether it answers, its token's user and whether the
 * dashboard offers sign-in with it (`signIn`). Exit 1 when
 * any instance is unreachable or refuses its token, else 0.
 */
export async function instancesListCommand(options: { json?: boolean }, ctx: CommandContext): Promise<number> {
  const instances = cliInstances(ctx.env, ctx.cwd);
  const signIn = new Set(signInFromEnv(ctx.env, instances)?.apps.map((app) => app.name) ?? []);
  const statuses = (await Promise.all(instances.map((i) => probeInstance(i, ctx.fetch ?? fetch)))).map((s) => ({ ...s, signIn: signIn.has(s.name) }));
  const failed = statuses.filter((s) => s.error !== undefined).length;
  if (options.json) {
    printJson(ctx.output, { ok: failed === 0, instances: statuses });
  } else {
    for (const s of statuses) {
      const state = !s.reachable ? '✗ unreachable' : s.user === undefined ? '✗ token refused' : `✓ ${s.version}, token of @${s.user}`;
      ctx.output.out(`${s.name}  ${s.url}  ${s.kind}  ${state}${s.signIn ? ' · dashboard sign-in' : ''}${s.error ? `\n    ${s.error}` : ''}`);
    }
  }
  return failed === 0 ? EXIT.ok : EXIT.error;
}
