/**
 * The issue key: the unit of locking, of the worktree and of the agent session. `owner/repo#n`
 * with one Gitea/Forgejo instance; `host/owner/repo#n` (e.g. `codeberg.org/acme/app#12`) when
 * several are configured, so that the same `owner/repo#n` on two instances are two issues.
 * A follow-up on a pull request kugetsu opened uses the key of the issue that PR came from.
 */
export type IssueKey = string & { readonly __brand: 'IssueKey' };

/**
 * Builds `owner/repo#n`, or `host/owner/repo#n` when `host` is given (several instances). `n` must
 * be a positive integer (an issue or PR number); `host` is lowercased.
 */
export function issueKey(owner: string, repo: string, n: number, host?: string): IssueKey {
  if (!Number.isInteger(n) || n <= 0) throw new RangeError(`issue number must be a positive integer, got ${n}`);
  return `${host ? `${host.toLowerCase()}/` : ''}${owner}/${repo}#${n}` as IssueKey;
}

/** The key of issue `n` of `repo`, qualified by `repo.host` when the repository carries one. */
export function issueKeyOfRepo(repo: { owner: string; name: string; host?: string | undefined }, n: number): IssueKey {
  return issueKey(repo.owner, repo.name, n, repo.host);
}

/**
 * Splits an issue key (either form) back into its parts — `host` only for a qualified key;
 * returns `undefined` for a string that is not one.
 */
export function parseIssueKey(key: string): { host?: string; owner: string; repo: string; number: number } | undefined {
  const m = /^(?:([^/#\s]+)\/)?([^/#\s]+)\/([^/#\s]+)#([1-9]\d*)$/.exec(key);
  if (!m) return undefined;
  return { ...(m[1] !== undefined ? { host: m[1].toLowerCase() } : {}), owner: m[2]!, repo: m[3]!, number: Number(m[4]) };
}

/** The key qualified with `host` (an unqualified key of the first instance, when a second is added); a qualified key is returned as it is. */
export function qualifyIssueKey(key: string, host: string): string {
  const parts = parseIssueKey(key);
  return parts && parts.host === undefined ? issueKey(parts.owner, parts.repo, parts.number, host) : key;
}
