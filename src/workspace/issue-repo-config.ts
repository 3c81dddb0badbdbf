import { ORIGIN_FETCH_REFSPEC } from './ensure-shared-clone.js';

/** What kugetsu writes into an issue repository's `.git/config`. */
export interface IssueRepoConfig {
  /** The repository's clone URL (`remote.origin.url`; the agent has no token for it). */
  cloneUrl: string;
  /** The issue branch. */
  branch: string;
  /** True when `origin/<branch>` exists: the branch tracks it (`branch.<b>.remote/merge`). */
  tracking: boolean;
  /** Identity of commits made in the repository (kugetsu's, and the agent's unless it sets its own). */
  userName: string;
  userEmail: string;
}

/** A value in git's configuration syntax: always double-quoted, `\` and `"` escaped (git-config(1) "Syntax"). */
function quote(value: string): string {
  if (/[\n\r\0]/.test(value)) throw new TypeError(`configuration value ${JSON.stringify(value)} contains a line break`);
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/**
 * The whole `.git/config` of an issue repository. kugetsu writes it before each of its own steps
 * there, so that nothing the agent configured — hooks, `core.fsmonitor`, filter drivers,
 * `credential.helper`, aliases, `include.path`, `extensions.worktreeConfig` — is in force when
 * kugetsu's git runs; the agent's own changes last one turn. Objects come from the shared clone
 * through `objects/info/alternates`, written beside it. Throws `TypeError` for a value with a line
 * break (inputs are validated before, so this is kugetsu's bug).
 */
export function issueRepoConfigText(c: IssueRepoConfig): string {
  const lines = [
    '[core]',
    '\trepositoryformatversion = 0',
    '\tfilemode = true',
    '\tbare = false',
    '\tlogallrefupdates = true',
    '[user]',
    `\tname = ${quote(c.userName)}`,
    `\temail = ${quote(c.userEmail)}`,
    '[remote "origin"]',
    `\turl = ${quote(c.cloneUrl)}`,
    `\tfetch = ${quote(ORIGIN_FETCH_REFSPEC)}`,
  ];
  if (c.tracking) lines.push(`[branch ${quote(c.branch)}]`, '\tremote = origin', `\tmerge = ${quote(`refs/heads/${c.branch}`)}`);
  return `${lines.join('\n')}\n`;
}
