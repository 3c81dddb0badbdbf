import type { IssueRepoGit } from './issue-repo-git.js';

/** Prefix of the refs that keep a reused worktree's unpublished work when origin's branch moved on. */
export const SET_ASIDE_PREFIX = 'refs/kugetsu/unpublished/';

/**
 * What {@link catchUpIssueRepo} did to a reused issue repository:
 * - `current`: HEAD already is origin's branch;
 * - `ahead`: HEAD has commits origin's branch lacks and lacks none of origin's (an earlier turn
 *   here committed but did not push): kept, with any uncommitted changes — the next publish pushes
 *   them as a fast-forward;
 * - `fast-forwarded`: HEAD was behind and the worktree clean: moved to origin's branch;
 * - `set-aside`: origin's branch has commits HEAD lacks, and this copy has work of its own that
 *   was never pushed (uncommitted changes, or commits beside origin's): that work was committed
 *   (`sha`) and kept under `ref` in the issue repository (never pushed), and HEAD, index and files
 *   were reset to origin's branch.
 */
export type CatchUp = { kind: 'current' | 'ahead' } | { kind: 'fast-forwarded'; to: string } | { kind: 'set-aside'; ref: string; sha: string; to: string };

/**
 * Brings a reused issue repository up to `target` (origin's branch as the shared clone just fetched
 * it) before a turn, so that a stale local copy — this worker's leftovers of a turn that pushed
 * nothing, while a turn on another worker (or a person) pushed — never hides or overrides newer
 * pushed work: the pushed branch is the issue's state. Every command runs in the issue repository
 * through `git` (isolated, after its configuration was rewritten). The commit of leftovers is made
 * as `identity`, with `--no-verify`. `knownHead` is HEAD's commit when the caller just read it in
 * the same isolated steps (else it is read here). Throws the runner's `GitCommandError`.
 */
export async function catchUpIssueRepo(git: IssueRepoGit, target: string, identity: { name: string; email: string }, now = new Date(), knownHead?: string): Promise<CatchUp> {
  const head = knownHead ?? (await git.run(['rev-parse', '--verify', 'HEAD^{commit}'])).stdout.trim();
  if (head === target) return { kind: 'current' };
  const isAncestor = async (a: string, b: string) => (await git.run(['merge-base', '--is-ancestor', a, b], { okExitCodes: [0, 1] })).exitCode === 0;
  if (await isAncestor(target, head)) return { kind: 'ahead' };
  const behind = await isAncestor(head, target);
  const status = await git.run(['status', '--porcelain', '--untracked-files=all', '--ignore-submodules=dirty']);
  const dirty = status.stdout.trim() !== '';
  if (behind && !dirty) {
    await git.run(['merge', '--ff-only', '--quiet', target]);
    return { kind: 'fast-forwarded', to: target };
  }
  let sha = head;
  if (dirty) {
    await git.run(['add', '--all', '--', '.']);
    const staged = await git.run(['diff', '--cached', '--quiet', '--ignore-submodules=dirty'], { okExitCodes: [0, 1] });
    if (staged.exitCode === 1) {
      const message = 'kugetsu: unpublished changes set aside\n\nThe branch moved on in origin (another turn or a person pushed); these changes were never pushed.';
      await git.run(['-c', `user.name=${identity.name}`, '-c', `user.email=${identity.email}`, 'commit', '--quiet', '--no-verify', `--message=${message}`]);
      sha = (await git.run(['rev-parse', '--verify', 'HEAD^{commit}'])).stdout.trim();
    }
  }
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  const ref = `${SET_ASIDE_PREFIX}${stamp}-${sha.slice(0, 12)}`;
  await git.run(['update-ref', ref, sha]);
  await git.run(['reset', '--hard', '--quiet', target]);
  return { kind: 'set-aside', ref, sha, to: target };
}
