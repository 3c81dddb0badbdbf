import { instancePrefix, type RepoRef } from '../domain/repo-ref.js';
import type { Actor } from '../events/event.js';
import { GiteaError, type GiteaClient } from '../gitea/types.js';
import { decideAccess, type AccessDecision, type AccessPolicy, type Role } from '../triggers/access-policy.js';

/** An access check: decided, or not decidable now because Gitea did not answer. */
export type AuthorizationResult = AccessDecision | { allowed: 'unknown'; reason: string };

/**
 * Asks Gitea for the sender's role on the repository (`GET /repos/{o}/{r}/collaborators/{user}/permission`,
 * Gitea v1.25.4 swagger `repoGetRepoPermissions`; never the payload's `repository.permissions`,
 * which belongs to some other user — gitea-contract.md §2) and applies the {@link AccessPolicy}.
 * Answers are cached for `ttlMs` per repository and login. A 403 (kugetsu's account may not read
 * permissions) or 404 (no such user) refuses; a network error, 5xx or 429 gives `unknown` so the
 * caller can check again later instead of guessing.
 */
export class Authorizer {
  private readonly cache = new Map<string, { role: Role; at: number }>();

  constructor(
    private readonly gitea: GiteaClient,
    private readonly policy: AccessPolicy,
    private readonly ttlMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** @param minRole the repository's least role, when its settings differ from the policy's. */
  async check(repo: Pick<RepoRef, 'owner' | 'name' | 'instance' | 'host'>, sender: Actor, minRole?: AccessPolicy['minRole']): Promise<AuthorizationResult> {
    const repoName = `${repo.owner}/${repo.name}`;
    const policy = minRole ? { ...this.policy, minRole } : this.policy;
    // The lists need no API call: decide them first (a denied user costs nothing).
    const listed = decideAccess(policy, sender.login, 'owner', repoName);
    if (!listed.allowed) return listed;
    const role = await this.fetchRole(repo, sender.login);
    if (role === 'forbidden') {
      return {
        allowed: false,
        code: 'permission-unreadable',
        reason: `kugetsu's account may not read permissions on ${repoName} (403)`,
        reply: `kugetsu cannot check who may ask for work on ${repoName}: its account needs admin access to the repository. Ask a repository admin to grant it, then ask again.`,
      };
    }
    if (typeof role === 'object') return { allowed: 'unknown', reason: role.unknown };
    return decideAccess(policy, sender.login, role, repoName);
  }

  /**
   * The person's role on the repository, from the same cache as {@link check} (the dashboard shows
   * a repository's jobs to those with at least `read`; on a public repository Gitea answers `read`
   * for anyone). `none` also when kugetsu's account may not read permissions there (403) or the user
   * is unknown (404); `unknown` when Gitea does not answer now (network error, 5xx, 429).
   */
  async role(repo: Pick<RepoRef, 'owner' | 'name' | 'instance' | 'host'>, login: string): Promise<Role | 'unknown'> {
    const role = await this.fetchRole(repo, login);
    return role === 'forbidden' ? 'none' : typeof role === 'object' ? 'unknown' : role;
  }

  private async fetchRole(repo: Pick<RepoRef, 'owner' | 'name' | 'instance' | 'host'>, login: string): Promise<Role | 'forbidden' | { unknown: string }> {
    const key = `${instancePrefix(repo)}${repo.owner}/${repo.name}\n${login}`.toLowerCase();
    const cached = this.cache.get(key);
    if (cached && this.now() - cached.at < this.ttlMs) return cached.role;
    let role: Role;
    try {
      role = await this.gitea.getCollaboratorPermission(repo.owner, repo.name, login);
    } catch (err) {
      if (err instanceof GiteaError && err.status === 403) return 'forbidden';
      if (err instanceof GiteaError && err.status === 404) role = 'none';
      else return { unknown: err instanceof Error ? err.message : String(err) };
    }
    this.cache.set(key, { role, at: this.now() });
    if (this.cache.size > 10_000) this.cache.delete(this.cache.keys().next().value!);
    return role;
  }
}
