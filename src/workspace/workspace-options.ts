import type { IsolatedRunner } from './issue-repo-git.js';
import type { WorkspaceLogger } from './workspace-logger.js';

export type { WorkspaceLogEntry, WorkspaceLogger } from './workspace-logger.js';

/** Options of {@link createWorkspace}. */
export interface WorkspaceOptions {
  /** Absolute directory holding `repos/` (shared clones) and `worktrees/`; created on demand. */
  stateDir: string;
  /**
   * Gitea access token, sent per command as HTTP Basic auth to `https://` remotes (and to
   * `http://` remotes on a loopback host). Never written to disk. Not needed for local paths or
   * `file://` URLs.
   */
  token?: string;
  /**
   * When set (several instances: each workspace holds one instance's token), the token is sent
   * only to remotes of this origin (`https://host[:port]`, as `URL.origin` gives it), never to a
   * clone URL of another host.
   */
  tokenOrigin?: string;
  /** User name of kugetsu's commits. Default `kugetsu`. */
  botName?: string;
  /** E-mail of kugetsu's commits. Default `kugetsu@localhost`. */
  botEmail?: string;
  /** Where log entries go; default: nowhere. */
  logger?: WorkspaceLogger;
  /**
   * Environment to take `PATH`, `HOME`, locale, proxy and CA variables from (nothing else is
   * passed to git). Default `process.env`.
   */
  baseEnv?: Readonly<Record<string, string | undefined>>;
  /**
   * A git command is killed after this many milliseconds without any output. Default 300 000
   * (5 min).
   */
  gitTimeoutMs?: number;
  /**
   * Runs kugetsu's git steps in issue repositories: kugetsu's agent sandbox (`AgentSandbox`, as
   * the service passes it), so that those steps see the worktree and nothing else. Default:
   * the same steps without a sandbox (empty environment, hardened git configuration).
   */
  isolation?: IsolatedRunner;
}
