import type { GiteaHook, GiteaHookEdit } from '../gitea/types.js';
import type { HookApi } from './hook-api-types.js';
import { hookProblems, isRepairable, KUGETSU_HOOK_EVENTS } from './hook-spec.js';
import { targetKey, type HookTarget } from './hook-target.js';
import { generateSecret, secretFile, storedSecretsFor, writeStoredSecret } from './stored-secrets.js';

/** What {@link installHook} did. */
export interface InstallOutcome {
  /**
   * `created`: no hook had the URL; `kept`: one was right and its secret is stored; `repaired`: it
   * was edited (full events list, active, JSON); `replaced`: a new hook with a new secret was
   * created and the old one(s) deleted (no stored secret, `rotate`, or a non-Gitea hook type).
   */
  action: 'created' | 'kept' | 'repaired' | 'replaced';
  /** The hook kugetsu uses now. */
  hook: GiteaHook;
  /** What was wrong with the hook that was repaired or replaced. */
  problems: string[];
  /** Ids of hooks with the same URL that were deleted (duplicates, or the replaced one). */
  deleted: number[];
  /** Where the hook's secret is stored. */
  secretFile: string;
}

/** Options of {@link installHook}. */
export interface InstallHookOptions {
  stateDir: string;
  target: HookTarget;
  /** The hook's delivery URL, e.g. `https://kugetsu.example.com/webhooks/gitea`. */
  url: string;
  /** Make a new secret even when the hook is fine (a new hook replaces the old one). */
  rotate?: boolean;
  /** The hook type to create and expect: `gitea` (default), `forgejo` on a Forgejo instance. */
  hookType?: 'gitea' | 'forgejo';
  /** Prefix of the stored secret's key: `''` for the first instance, `@<host>/` for another (see `secretFile`). */
  secretPrefix?: string;
}

/**
 * Creates or repairs kugetsu's webhook on a repository or organisation, idempotently: the hook is
 * the one whose `config.url` equals `url`. Right and with a stored secret → kept (nothing written);
 * wrong events/active/content type/branch filter → one PATCH with the full events list (Gitea
 * replaces them); no stored secret (or `rotate`) → a new secret is stored, a new hook created, and
 * the old one deleted afterwards (an edit cannot change a secret, gitea-contract.md §4). Other
 * hooks with the same URL are deleted, so running it twice leaves exactly one.
 */
export async function installHook(api: HookApi, options: InstallHookOptions): Promise<InstallOutcome> {
  const key = `${options.secretPrefix ?? ''}${targetKey(options.target)}`;
  const type = options.hookType ?? 'gitea';
  const problemsOf = (h: GiteaHook) => hookProblems(h, type);
  const file = secretFile(options.stateDir, key)!;
  const same = (await api.list()).filter((h) => h.url === options.url);
  const stored = storedSecretsFor(options.stateDir, key)[0];
  const keep = same.find((h) => problemsOf(h).length === 0) ?? same.find((h) => isRepairable(h, type));

  if (keep && stored && !options.rotate) {
    const problems = problemsOf(keep);
    const hook = problems.length === 0 ? keep : await api.edit(keep.id, fullEdit(options.url));
    const deleted = await removeAll(
      api,
      same.filter((h) => h.id !== keep.id),
    );
    return { action: problems.length === 0 ? 'kept' : 'repaired', hook, problems, deleted, secretFile: file };
  }

  // A secret is kept only for a brand-new hook (it may be the one the server already knows).
  const secret = same.length === 0 && stored && !options.rotate ? stored : generateSecret();
  writeStoredSecret(options.stateDir, key, secret);
  const hook = await api.create({ url: options.url, secret, events: KUGETSU_HOOK_EVENTS, contentType: 'json', active: true, branchFilter: '*', type });
  const deleted = await removeAll(api, same);
  const problems = keep ? (options.rotate ? ['secret rotated'] : ['no stored secret', ...problemsOf(keep)]) : same.length > 0 ? same.flatMap(problemsOf) : [];
  return { action: same.length === 0 ? 'created' : 'replaced', hook, problems, deleted, secretFile: file };
}

/** The edit that makes a hook right: URL, JSON, every event (Gitea replaces the list), active, `*`. */
function fullEdit(url: string): GiteaHookEdit {
  return { url, contentType: 'json', events: KUGETSU_HOOK_EVENTS, active: true, branchFilter: '*' };
}

async function removeAll(api: HookApi, hooks: GiteaHook[]): Promise<number[]> {
  for (const h of hooks) await api.remove(h.id);
  return hooks.map((h) => h.id);
}
