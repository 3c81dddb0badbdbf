import type { IssueRepoGit } from './issue-repo-git.js';

/**
 * The `git update-ref --stdin` lines (git-update-ref(1)) taking an issue repository's
 * `refs/remotes/origin/*` from `known` (what kugetsu last left there, `ctx.issueRefs`) to `wanted`
 * (the shared clone's), each naming the value it expects (`create`, `update <new> <old>`,
 * `delete <old>`), so that the transaction applies all or nothing — and nothing when the agent
 * changed any of those refs. Empty when `known` is undefined or equals `wanted`.
 */
export function guessTransaction(known: ReadonlyMap<string, string> | undefined, wanted: ReadonlyMap<string, string>): string[] {
  const lines: string[] = [];
  if (!known) return lines;
  for (const [ref, sha] of wanted) {
    const old = known.get(ref);
    if (old === undefined) lines.push(`create ${ref} ${sha}`);
    else if (old !== sha) lines.push(`update ${ref} ${sha} ${old}`);
  }
  for (const [ref, old] of known) if (!wanted.has(ref)) lines.push(`delete ${ref} ${old}`);
  return lines;
}

/**
 * Makes an issue repository's `refs/remotes/origin/*` equal `wanted`, given `listed` — what
 * `git for-each-ref '--format=%(objectname) %(refname)' refs/remotes/origin/` printed there (after
 * any guessed transaction): any difference left (no guess, a stale one, refs the agent added or
 * moved) is written by one `git update-ref --no-deref --stdin` through `git` (one more isolated process; a symbolic ref the agent made is replaced, never followed);
 * nothing runs when there is none. Throws the runner's `GitCommandError`.
 */
export async function fixOriginRefs(git: IssueRepoGit, listed: string, wanted: ReadonlyMap<string, string>): Promise<void> {
  const current = parseRefs(listed);
  const lines: string[] = [];
  for (const [ref, sha] of wanted) if (current.get(ref) !== sha) lines.push(`update ${ref} ${sha}`);
  for (const ref of current.keys()) if (!wanted.has(ref)) lines.push(`delete ${ref}`);
  if (lines.length > 0) await git.run(['update-ref', '--no-deref', '--stdin'], { input: `${lines.join('\n')}\n` });
}

/** `<sha> <refname>` lines → map (symbolic `…/HEAD` entries left out). */
function parseRefs(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^([0-9a-f]{40}(?:[0-9a-f]{24})?) (refs\/remotes\/origin\/\S+)$/.exec(line.trim());
    if (m && !m[2]!.endsWith('/HEAD')) out.set(m[2]!, m[1]!);
  }
  return out;
}
