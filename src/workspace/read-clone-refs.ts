import type { GitRunner } from './git-runner.js';
import { revParseRef } from './rev-parse-ref.js';

/** The refs of a shared clone that preparing an issue's worktree needs, read by {@link readCloneRefs}. */
export interface CloneRefs {
  /** `refs/heads/<branch>` (kugetsu's record of the issue's branch), when it exists. */
  local: string | undefined;
  /** `refs/remotes/origin/<branch>`, when it exists. */
  remote: string | undefined;
  /** Every `refs/remotes/origin/*` (symbolic `…/HEAD` left out) → commit id. */
  origin: Map<string, string>;
}

/** The `git for-each-ref` format whose output {@link parseCloneRefs} reads (patterns `refs/heads/<branch>` and `refs/remotes/origin/`). */
export const CLONE_REFS_FORMAT = '--format=%(objecttype) %(objectname) %(refname)';

/**
 * Parses the output of `git for-each-ref` with {@link CLONE_REFS_FORMAT} into {@link CloneRefs}. `odd`
 * is true when `refs/heads/<branch>` or `refs/remotes/origin/<branch>` does not point at a commit
 * directly (an annotated tag under refs/heads): then only `git rev-parse` knows their commits.
 */
export function parseCloneRefs(stdout: string, branch: string): { refs: CloneRefs; odd: boolean } {
  const localRef = `refs/heads/${branch}`;
  const remoteRef = `refs/remotes/origin/${branch}`;
  const origin = new Map<string, string>();
  let local: string | undefined;
  let odd = false;
  for (const line of stdout.split('\n')) {
    const m = /^(\S+) ([0-9a-f]{40}(?:[0-9a-f]{24})?) (refs\/\S+)$/.exec(line.trim());
    if (!m) continue;
    const [, type, sha, ref] = m as unknown as [string, string, string, string];
    if (type !== 'commit') {
      if (ref === localRef || ref === remoteRef) odd = true;
      continue;
    }
    if (ref === localRef) local = sha;
    else if (ref.startsWith('refs/remotes/origin/') && !ref.endsWith('/HEAD')) origin.set(ref, sha);
  }
  return { refs: { local, remote: origin.get(remoteRef), origin }, odd };
}

/**
 * Reads kugetsu's branch and every `refs/remotes/origin/*` of the shared clone at `clonePath` with
 * one `git for-each-ref` (instead of a `rev-parse` per ref and another listing). `branch` must be a
 * validated branch name (`isSafeBranchName`: no glob characters, so the patterns match literally).
 * A ref that does not point at a commit directly (an annotated tag under refs/heads) is resolved
 * with `rev-parse <ref>^{commit}` as before. Throws the runner's `GitCommandError`.
 */
export async function readCloneRefs(git: GitRunner, clonePath: string, branch: string): Promise<CloneRefs> {
  const { stdout } = await git.run(['for-each-ref', CLONE_REFS_FORMAT, `refs/heads/${branch}`, 'refs/remotes/origin/'], { cwd: clonePath });
  const { refs, odd } = parseCloneRefs(stdout, branch);
  if (odd) {
    // Not a commit object itself: peel it the way rev-parse does.
    const remoteRef = `refs/remotes/origin/${branch}`;
    refs.local = await revParseRef(git, clonePath, `refs/heads/${branch}`);
    const peeled = await revParseRef(git, clonePath, remoteRef);
    if (peeled) refs.origin.set(remoteRef, peeled);
    refs.remote = refs.origin.get(remoteRef);
  }
  return refs;
}
