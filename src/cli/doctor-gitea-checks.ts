import { createHookApi } from '../admin/hook-api.js';
import type { GiteaAccess } from '../admin/hook-api-types.js';
import { hookProblems as problemsOf } from '../admin/hook-spec.js';
import { parseHookTarget, targetKey, type HookTarget } from '../admin/hook-target.js';
import { createGiteaClient } from '../gitea/create-gitea-client.js';
import { GiteaError, type GiteaHook } from '../gitea/types.js';
import { fail, ok, warn, type DoctorCheck } from './doctor-check.js';
import { causeOf } from './post-delivery.js';

const NEED_SCOPES = 'write:issue, write:repository and read:user';

/** `GET /api/v1/version`: Gitea answers at `GITEA_URL`. */
export async function checkGiteaVersion(access: GiteaAccess): Promise<DoctorCheck> {
  const url = `${access.baseUrl}/api/v1/version`;
  try {
    const response = await (access.fetch ?? fetch)(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(10_000) });
    const body = (await response.json().catch(() => ({}))) as { version?: unknown };
    if (response.ok && typeof body.version === 'string') return ok('gitea', `Gitea ${body.version} at ${access.baseUrl}`);
    return fail('gitea', `${url} answered HTTP ${response.status}`, 'set GITEA_URL to the root of your Gitea (e.g. https://gitea.example.com, without /api/v1)');
  } catch (err) {
    return fail('gitea', `cannot reach ${access.baseUrl}: ${causeOf(err)}`, 'check GITEA_URL, DNS, and that this host can reach Gitea (firewall, proxy)');
  }
}

/** `GET /user`: the token is accepted, and whose it is. Returns the check and whether it passed. */
export async function checkToken(access: GiteaAccess): Promise<DoctorCheck> {
  try {
    const me = await createGiteaClient(access).currentUser();
    return ok('token', `GITEA_TOKEN belongs to @${me.login} (id ${me.id})`);
  } catch (err) {
    const e = err instanceof GiteaError ? err : new GiteaError('currentUser', 0, String(err));
    if (e.status === 401)
      return fail(
        'token',
        `Gitea rejects GITEA_TOKEN (401: ${e.message})`,
        `create a new access token for the bot account (Settings → Applications) with ${NEED_SCOPES}, and set GITEA_TOKEN`,
      );
    if (e.status === 403) return fail('token', e.message, scopeFix(e.message));
    return fail('token', e.message, 'see the gitea check above');
  }
}

/** A 403 that names missing token scopes (Gitea: "token does not have at least one of required scope(s)…"). */
function isScopeError(err: unknown): boolean {
  return err instanceof GiteaError && err.status === 403 && /scope/i.test(err.message);
}

function scopeFix(message: string): string {
  const has = /token scope=([^\]\s]*)/i.exec(message)?.[1];
  return `the token lacks a scope${has ? ` (it has: ${has})` : ''}: create one with ${NEED_SCOPES}`;
}

/**
 * The token's scopes, as far as a token can tell: Gitea has no API that lists them for the token
 * itself, so read access is probed (`/user`, a repository's hooks and issues) and a 403 naming a
 * scope fails the check. Write scopes cannot be probed without writing: the line says which are needed.
 */
export async function checkScopes(access: GiteaAccess, repos: HookTarget[]): Promise<DoctorCheck> {
  const repo = repos.find((r) => r.kind === 'repo');
  if (repo?.kind !== 'repo') return warn('token scopes', 'no repository to probe with', `set KUGETSU_REPOS; the token needs ${NEED_SCOPES}`);
  const client = createGiteaClient(access);
  const probes: Array<[string, () => Promise<unknown>]> = [
    ['read:repository', () => client.getRepository(repo.owner, repo.repo)],
    ['read:issue', () => client.listRepoLabels(repo.owner, repo.repo)],
  ];
  for (const [scope, probe] of probes) {
    try {
      await probe();
    } catch (err) {
      if (isScopeError(err)) return fail('token scopes', `${scope} is missing (${(err as Error).message})`, scopeFix((err as Error).message));
      return warn('token scopes', `could not probe ${scope} on ${repo.owner}/${repo.repo}: ${(err as Error).message}`, `make sure the token has ${NEED_SCOPES}`);
    }
  }
  return ok('token scopes', `user, repository and issue reads work on ${repo.owner}/${repo.repo} (write scopes cannot be checked without writing: the token needs ${NEED_SCOPES})`);
}

/**
 * Which of kugetsu's hooks {@link checkHook} looks for: hook type `hookType`, posting to a URL whose
 * path ends with one of `paths` (and, with `origin`, on that origin, e.g. `https://k.example.com`).
 * With `name` (an instance of `KUGETSU_INSTANCES_FILE`) the check is called `hook <target> (<name>)`
 * and its fixes say `--instance <name>`.
 */
export interface HookCheckScope {
  hookType: 'gitea' | 'forgejo';
  paths: string[];
  origin?: string | undefined;
  name?: string | undefined;
}

/**
 * kugetsu's hook on a repository or organisation: one posting to `url` (or, without `url`, to one
 * of `instance.paths`, default `/webhooks/gitea`), active, JSON, of type `instance.hookType`
 * (default `gitea`), with every event kugetsu needs. A repository without its own hook passes when
 * its owner (an organisation) has one.
 */
export async function checkHook(
  access: GiteaAccess,
  target: HookTarget,
  url: string | undefined,
  hasSecret: boolean,
  instance: HookCheckScope = { hookType: 'gitea', paths: ['/webhooks/gitea'] },
): Promise<DoctorCheck> {
  const isKugetsuHook = (h: GiteaHook, u: string | undefined) => isKugetsuHookAt(h, u, instance.paths, instance.origin);
  const hookProblems = (h: GiteaHook) => problemsOf(h, instance.hookType);
  const name = `hook ${targetKey(target)}${instance.name ? ` (${instance.name})` : ''}`;
  const label = target.kind === 'repo' ? `${target.owner}/${target.repo}` : target.org;
  const flag = instance.name ? ` --instance ${instance.name}` : '';
  const install = `kugetsu hooks install ${label} --url ${url ?? instance.origin ?? (instance.name ? '<public url>' : '<public url>/webhooks/gitea')}${flag}`;
  let hooks: GiteaHook[];
  try {
    hooks = (await createHookApi(access, target).list()).filter((h) => isKugetsuHook(h, url));
    if (hooks.length === 0 && target.kind === 'repo') {
      const org = await createHookApi(access, { kind: 'org', org: target.owner })
        .list()
        .catch(() => [] as GiteaHook[]);
      const orgHook = org.filter((h) => isKugetsuHook(h, url)).find((h) => hookProblems(h).length === 0);
      if (orgHook) return ok(name, `covered by organisation hook ${orgHook.id} → ${orgHook.url}`);
    }
  } catch (err) {
    const e = err as GiteaError;
    if (isScopeError(e)) return fail(name, e.message, scopeFix(e.message));
    if (e.status === 403) return fail(name, `cannot read the hooks (403)`, `give the bot account admin rights on ${label}`);
    if (e.status === 404) return fail(name, `${label} not found (404)`, `check the name (KUGETSU_REPOS) and that the bot account can see it`);
    return fail(name, e.message ?? String(err), 'see the gitea check above');
  }
  if (hooks.length === 0)
    return fail(
      name,
      `no hook posts to ${url ?? (instance.origin ? instance.paths.map((p) => `${instance.origin}${p}`).join(' or ') : `a ${instance.paths.join(' or ')} URL`)}`,
      install,
    );
  const good = hooks.find((h) => hookProblems(h).length === 0);
  if (!good) return fail(name, `hook ${hooks[0]!.id} → ${hooks[0]!.url}: ${hookProblems(hooks[0]!).join('; ')}`, `${install} (repairs it)`);
  if (!hasSecret)
    return fail(
      name,
      `hook ${good.id} → ${good.url}, but kugetsu knows no secret for it`,
      `${install} --rotate-secret (stores a new one), or set KUGETSU_WEBHOOK_SECRET to the hook's secret`,
    );
  return ok(name, `hook ${good.id} → ${good.url} (active, json, ${good.events.length} events)${hooks.length > 1 ? `; ${hooks.length - 1} duplicate(s): run ${install}` : ''}`);
}

function isKugetsuHookAt(hook: GiteaHook, url: string | undefined, paths: string[], origin: string | undefined): boolean {
  if (url) return hook.url === url;
  try {
    const parsed = new URL(hook.url);
    if (origin !== undefined && parsed.origin !== origin) return false;
    const at = parsed.pathname.replace(/\/+$/, '');
    return paths.some((p) => at.endsWith(p));
  } catch {
    return false;
  }
}

/** `owner/repo` or `org/*` keys turned back into targets (invalid ones dropped). */
export function targetsOf(keys: Iterable<string>): HookTarget[] {
  const out: HookTarget[] = [];
  for (const key of keys) {
    try {
      out.push(parseHookTarget(key.endsWith('/*') ? key.slice(0, -2) : key));
    } catch {
      // not a valid name: nothing to check
    }
  }
  return out;
}
