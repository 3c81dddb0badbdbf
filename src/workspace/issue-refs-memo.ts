/**
 * Issue worktree path → the `refs/remotes/origin/*` (ref → commit id) kugetsu last left in that
 * issue repository, for at most `limit` repositories (the least recently written dropped first), so
 * that memory stays bounded with many worktrees of a repository with many branches. Only a guess
 * — the agent may have changed those refs since — which `syncIssueRepo` checks (see there).
 */
export interface IssueRefsMemo {
  get(path: string): ReadonlyMap<string, string> | undefined;
  set(path: string, refs: ReadonlyMap<string, string>): void;
  delete(path: string): void;
}

/** Creates an {@link IssueRefsMemo} of at most `limit` (≥ 1) entries. */
export function createIssueRefsMemo(limit = 64): IssueRefsMemo {
  const entries = new Map<string, ReadonlyMap<string, string>>();
  return {
    get: (path) => entries.get(path),
    set(path, refs) {
      entries.delete(path);
      entries.set(path, refs);
      while (entries.size > Math.max(1, limit)) entries.delete(entries.keys().next().value as string);
    },
    delete: (path) => void entries.delete(path),
  };
}
