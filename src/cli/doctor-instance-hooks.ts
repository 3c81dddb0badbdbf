import { readStoredSecrets, storedSecretsFor } from '../admin/stored-secrets.js';
import type { HookTarget } from '../admin/hook-target.js';
import { targetKey } from '../admin/hook-target.js';
import type { InstanceSettings } from '../config/instances-file.js';
import type { RepoRef } from '../domain/repo-ref.js';
import type { DoctorCheck } from './doctor-check.js';
import { checkHook, checkScopes, targetsOf } from './doctor-gitea-checks.js';
import { storedUnder } from './doctor-instance-checks.js';

/** What {@link checkInstanceHooks} needs to know besides the instance. */
export interface InstanceHooksInput {
  instance: InstanceSettings;
  /** True for the first instance of the file (the one `/webhooks/gitea` and unqualified state belong to). */
  first: boolean;
  stateDir: string;
  /** `KUGETSU_REPOS` entries of this instance (`owner/repo`, lowercase): its `host/owner/repo` ones, and the unqualified ones for the first. */
  configuredRepos: string[];
  /** The repositories kugetsu's database knows (each with its `instance`; absent: the first). */
  knownRepos: RepoRef[];
  /**
   * `--url` of `kugetsu doctor`: a URL whose path is one of this instance's (`/webhooks/<name>`)
   * must be the hook's URL exactly; any other (a bare origin, another instance's path) matches this
   * instance's paths on its origin; `undefined` matches the paths on any origin.
   */
  url: string | undefined;
  /** Whether the first instance's targets have a secret configured outside the state dir (`KUGETSU_REPO_SECRETS`). */
  configuredSecret: (target: HookTarget) => boolean;
  fetch?: typeof fetch | undefined;
}

/**
 * `kugetsu doctor`'s hook checks of one instance of `KUGETSU_INSTANCES_FILE`, with that
 * instance's URL, token and hook type: `token scopes <name>`, then `hook <target> (<name>)` for
 * every repository or organisation kugetsu knows on it — its `KUGETSU_REPOS` entries; for the first
 * instance the database's repositories without an instance and the secrets stored unqualified; for
 * another the database's repositories of that instance and the secrets stored under `@<host>/`. A hook
 * counts as kugetsu's when it posts to `/webhooks/<name>` (or, on the first instance,
 * `/webhooks/gitea`). Call it only once the instance's token was accepted. Never throws.
 */
export async function checkInstanceHooks(input: InstanceHooksInput): Promise<DoctorCheck[]> {
  const { instance, first, stateDir } = input;
  const access = { baseUrl: instance.url, token: instance.token, ...(input.fetch ? { fetch: input.fetch } : {}) };
  const prefix = first ? '' : `@${instance.host}/`;
  const keys = new Set<string>();
  for (const key of input.configuredRepos) keys.add(key);
  for (const r of input.knownRepos) if ((r.instance ?? undefined) === (first ? undefined : instance.name)) keys.add(`${r.owner}/${r.name}`.toLowerCase());
  for (const key of first ? Object.keys(readStoredSecrets(stateDir)) : storedUnder(stateDir, prefix)) keys.add(key);
  const targets = targetsOf(keys);

  const scopes = await checkScopes(access, targets);
  const checks: DoctorCheck[] = [{ ...scopes, name: `${scopes.name} ${instance.name}` }];
  const paths = first ? ['/webhooks/gitea', `/webhooks/${instance.name}`] : [`/webhooks/${instance.name}`];
  // A full --url is this instance's only when its path is one of this instance's; otherwise its
  // origin is, with this instance's paths.
  const given = input.url === undefined ? undefined : new URL(input.url);
  const exact = given !== undefined && paths.some((p) => given.pathname.replace(/\/+$/, '').endsWith(p)) ? input.url : undefined;
  const scope = { hookType: instance.kind, paths, name: instance.name, ...(given && !exact ? { origin: given.origin } : {}) };
  for (const target of targets) {
    const key = targetKey(target);
    const owner = key.split('/')[0]!;
    const hasSecret =
      instance.secrets.length > 0 ||
      storedSecretsFor(stateDir, `${prefix}${key}`).length > 0 ||
      storedSecretsFor(stateDir, `${prefix}${owner}/*`).length > 0 ||
      (first && input.configuredSecret(target));
    checks.push(await checkHook(access, target, exact, hasSecret, scope));
  }
  return checks;
}
