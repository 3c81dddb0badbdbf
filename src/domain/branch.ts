/** The default issue branch template: `kugetsu/issue-{number}`. */
export const DEFAULT_BRANCH_TEMPLATE = 'kugetsu/issue-{number}';

/**
 * The work branch of an issue from a template containing `{number}` (validated when the
 * configuration is loaded), e.g. `kugetsu/issue-7`.
 */
export function issueBranch(issueNumber: number, template: string = DEFAULT_BRANCH_TEMPLATE): string {
  return template.replace('{number}', String(issueNumber));
}

/**
 * The issue number a branch belongs to when it was made from `template`, or `undefined` when the
 * branch is not one of kugetsu's (e.g. `"feature/x"`, `"kugetsu/issue-0"`, `"kugetsu/issue-3x"`).
 */
export function issueNumberOfBranch(branch: string, template: string = DEFAULT_BRANCH_TEMPLATE): number | undefined {
  const [before, after] = template.split('{number}') as [string, string];
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const m = new RegExp(`^${escape(before)}([1-9]\\d*)${escape(after ?? '')}$`).exec(branch);
  return m ? Number(m[1]) : undefined;
}
