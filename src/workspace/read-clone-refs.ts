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

/**
 * Reads kugetsu's branch and every `refs/remotes/origin/*` of the shared clone at `clonePath` with
 * one `git for-each-ref` (instead of a `rev-parse` per ref and another listing). `branch` must be a
 * validated branch name (`isSafeBranchName`: no glob characters, so the patterns match literally).
 * A ref that does not point at a commit directly (an annotated tag under refs/heads) is resolved
 * with `rev-parse <ref>^{commit}` as before. Throws the runner's `GitCommandError`.
 */
export async function readCloneRefs(git: GitRunner, clonePath: string, branch: string): Promise<CloneRefs> {
  const localRef = `refs/heads/${branch}`;
  const remoteRef = `refs/remotes/origin/${branch}`;
  const { stdout } = await git.run(['for-each-ref', '--format=%(objecttype) %(objectname) %(refname)', localRef, 'refs/remotes/origin/'], { cwd: clonePath });
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
  if (odd) {
    // Not a commit object itself: peel it the way rev-parse does.
    local = await revParseRef(git, clonePath, localRef);
    const peeled = await revParseRef(git, clonePath, remoteRef);
    if (peeled) origin.set(remoteRef, peeled);
  }
  return { local, remote: origin.get(remoteRef), origin };
}
