/**
 * True when `branch` is a branch name kugetsu is willing to hand to git: a subset of what
 * `git check-ref-format --branch` accepts (git-check-ref-format(1), rules 1–10), restricted to
 * `[A-Za-z0-9._/-]` and at most 200 characters, so that it can never be read as an option, a
 * revision expression (`..`, `@{`, `^`, `~`) or a path outside the ref namespace. Rejects e.g.
 * `-x`, `a..b`, `a//b`, `/a`, `a/`, `a.lock`, `.a`, `a/.b`, `a.`, `HEAD`, `@`.
 */
export function isSafeBranchName(branch: string): boolean {
  if (branch.length === 0 || branch.length > 200) return false;
  if (!/^[A-Za-z0-9._/-]+$/.test(branch)) return false;
  if (branch.startsWith('-') || branch.startsWith('/') || branch.endsWith('/')) return false;
  if (branch.endsWith('.') || branch.includes('..') || branch.includes('//')) return false;
  if (branch === 'HEAD' || branch === '@') return false;
  return branch.split('/').every((component) => !component.startsWith('.') && !component.endsWith('.lock'));
}
