/**
 * The issue key `owner/repo#n`: the unit of locking, of the worktree and of the agent session.
 * A follow-up on a pull request kugetsu opened uses the key of the issue that PR came from.
 */
export type IssueKey = string & { readonly __brand: 'IssueKey' };

/** Builds `owner/repo#n`. `n` must be a positive integer (an issue or PR number). */
export function issueKey(owner: string, repo: string, n: number): IssueKey {
  if (!Number.isInteger(n) || n <= 0) throw new RangeError(`issue number must be a positive integer, got ${n}`);
  return `${owner}/${repo}#${n}` as IssueKey;
}

/** Splits an issue key back into its parts; returns `undefined` for a string that is not one. */
export function parseIssueKey(key: string): { owner: string; repo: string; number: number } | undefined {
  const m = /^([^/#\s]+)\/([^/#\s]+)#([1-9]\d*)$/.exec(key);
  if (!m) return undefined;
  return { owner: m[1]!, repo: m[2]!, number: Number(m[3]) };
}
