/**
 * The repository fields kugetsu needs, taken from a webhook payload's `repository` object
 * (Gitea v1.25 `modules/structs/repo.go` `Repository`).
 */
export interface RepoRef {
  /** Owner login, e.g. `"gitea"`. Validated against {@link SAFE_NAME} before use in a path. */
  owner: string;
  /** Repository name, e.g. `"tea"`. */
  name: string;
  /** `owner/name`. */
  fullName: string;
  /** What `git clone` is given: an `https://` URL, or (tests, demo) a local path or `file://` URL. */
  cloneUrl: string;
  /** Branch new issue branches start from, e.g. `"main"`. */
  defaultBranch: string;
  /** Web page of the repository, for links in status comments. */
  htmlUrl: string;
  /**
   * The name of the Gitea/Forgejo instance the repository lives on, when it is not the first
   * configured one (absent: the first — the only one a one-instance kugetsu, and every job it
   * stored, knows). Its files live under `@<host>` directories (see `workspacePaths`).
   */
  instance?: string | undefined;
  /**
   * The host of the repository's instance when several are configured (e.g. `codeberg.org`): issue
   * keys are then qualified with it, `codeberg.org/acme/app#12`. Absent with one instance.
   */
  host?: string | undefined;
}

/**
 * What internal keys (event keys, outbox keys, stored repositories) of a repository start with:
 * `''` for the first instance (keys a one-instance kugetsu stored stay valid), `@<host>/` for the others.
 */
export function instancePrefix(repo: Pick<RepoRef, 'instance' | 'host'>): string {
  return repo.instance ? `@${repo.host ?? repo.instance}/` : '';
}

/**
 * The directory segments a repository's files go under, before `<owner>/<name>`: none for the first
 * instance (so nothing moves when a second instance is added), `@<host>` for the others (an owner
 * name never starts with `@`, so these never collide with an owner's directory).
 */
export function instanceDirs(repo: Pick<RepoRef, 'instance' | 'host'>): string[] {
  return repo.instance ? [`@${repo.host ?? repo.instance}`] : [];
}

/**
 * Owner and repository names as Gitea allows them (`[A-Za-z0-9_.-]`, not starting with `-` or `.`
 * so that a name can never be read as a git option or a relative path). Gitea v1.25
 * `modules/validation/helpers.go` (`IsValidUsername`, repo names via `alphaDashDotPattern`).
 */
export const SAFE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$/;

/** True when both the owner and the repository name are safe to use in paths and git arguments. */
export function isSafeRepoRef(repo: Pick<RepoRef, 'owner' | 'name'>): boolean {
  // Gitea refuses repository names ending in .git or .wiki (`modules/validation`, `IsUsableRepoName`);
  // compared case-insensitively so that a path can never look like a bare clone's own directory.
  return SAFE_NAME.test(repo.owner) && SAFE_NAME.test(repo.name) && !/\.(git|wiki)$/i.test(repo.name) && !/\.\.|\.$/.test(repo.name) && !/\.\.|\.$/.test(repo.owner);
}

/**
 * The key the store groups a repository's jobs by (per-repository limits, rates, budgets, the
 * dashboard's repository filter): lowercase `owner/name` for the first instance (as a one-instance
 * kugetsu stored it), `@<host>/owner/name` for the others — so the same `acme/app` on two instances
 * are two repositories.
 */
export function repoKey(repo: Pick<RepoRef, 'owner' | 'name' | 'instance' | 'host'>): string {
  return `${instancePrefix(repo)}${repo.owner}/${repo.name}`.toLowerCase();
}

/**
 * How a repository is named to people (dashboard columns, metric labels, logs): `owner/name`, or
 * `host/owner/name` when several instances are configured (the repository then carries `host`),
 * like its issue keys (`host/owner/repo#n`).
 */
export function repoLabel(repo: Pick<RepoRef, 'owner' | 'name' | 'host'>): string {
  return `${repo.host ? `${repo.host}/` : ''}${repo.owner}/${repo.name}`;
}
