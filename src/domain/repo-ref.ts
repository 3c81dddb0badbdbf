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
