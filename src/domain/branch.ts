/** Prefix of every branch kugetsu creates; a PR whose head starts with it is one of ours. */
export const BRANCH_PREFIX = 'kugetsu/issue-';

/** The work branch of an issue: `kugetsu/issue-<n>`. */
export function issueBranch(issueNumber: number): string {
  return `${BRANCH_PREFIX}${issueNumber}`;
}

/**
 * The issue number a kugetsu branch belongs to, or `undefined` when the branch is not one of ours
 * (e.g. `"feature/x"`, `"kugetsu/issue-0"`, `"kugetsu/issue-3x"`).
 */
export function issueNumberOfBranch(branch: string): number | undefined {
  const m = /^kugetsu\/issue-([1-9]\d*)$/.exec(branch);
  return m ? Number(m[1]) : undefined;
}
