/**
 * Configuration given to every git command kugetsu runs (as `-c key=value`, which wins over every
 * configuration file), so that nothing a repository's configuration or directory holds makes git
 * run a program (git-config(1), githooks(5), gitattributes(5)):
 * - `core.hooksPath=/dev/null`: hooks are looked up as `/dev/null/<name>`, which never exists — no
 *   `pre-commit`, `post-commit`, `pre-push`, `reference-transaction`, `post-checkout`… runs;
 * - `core.fsmonitor=false`: no fsmonitor hook program;
 * - `credential.helper=` (an empty value resets the list of helpers) and `core.askPass=` (empty:
 *   none): no credential program;
 * - `core.sshCommand=false`, `core.gitProxy=`: no ssh or proxy program (kugetsu only speaks HTTP(S)
 *   and local paths);
 * - `core.editor=false`, `core.pager=cat`, `commit.gpgSign=false`, `tag.gpgSign=false`: no
 *   editor, pager or signing program;
 * - `submodule.recurse=false`: git does not descend into submodules (whose own configuration
 *   would apply there).
 * Filter drivers named in `.gitattributes` run only when the configuration defines them; kugetsu's
 * issue repositories get their configuration rewritten before kugetsu's own steps (see
 * `issueRepoConfigText`), and the shared clone is never writable by an agent.
 */
export const HARDENED_GIT_CONFIG: readonly string[] = [
  'core.hooksPath=/dev/null',
  'core.fsmonitor=false',
  'credential.helper=',
  'core.askPass=',
  'core.sshCommand=false',
  'core.gitProxy=',
  'core.editor=false',
  'core.pager=cat',
  'commit.gpgSign=false',
  'tag.gpgSign=false',
  'submodule.recurse=false',
];

/** {@link HARDENED_GIT_CONFIG} as git arguments: `['-c', 'core.hooksPath=/dev/null', '-c', …]`. */
export function hardenedConfigArgs(): string[] {
  return HARDENED_GIT_CONFIG.flatMap((entry) => ['-c', entry]);
}
