import type { RepoRef } from '../domain/repo-ref.js';
import type { Actor } from '../domain/delegation.js';
import type { Role } from '../triggers/access-policy.js';
import type { AuthorizationResult } from '../pipeline/authorizer.js';
import type { Viewer } from './viewer.js';

/** A repository with the instance it lives on (`instance` absent: the first; see {@link RepoRef}). */
type RepoName = Pick<RepoRef, 'owner' | 'name' | 'instance' | 'host'>;

/** What {@link ViewerAccess} asks the rest of kugetsu (wired to the service's `Authorizer`). */
export interface ViewerAccessDeps {
  /**
   * The person's role on the repository as the repository's own instance reports it through
   * kugetsu's token for that instance
   * (`GET /repos/{o}/{r}/collaborators/{user}/permission`: `read` for anyone on a public
   * repository), cached briefly; `unknown` when Gitea does not answer now.
   */
  role: (repo: RepoName, login: string) => Promise<Role | 'unknown'>;
  /**
   * The check `/kugetsu stop` and `/kugetsu retry` get (the repository's least role, the allow and
   * deny lists): `Authorizer.check` with the repository's `minRole`.
   */
  authorize: (repo: RepoName, actor: Actor) => Promise<AuthorizationResult>;
}

/** An access decision with the reason shown to the viewer when refused. */
export type ActDecision = { allowed: true } | { allowed: false; reason: string } | { allowed: 'unknown'; reason: string };

/**
 * Who may see and do what on the dashboard: the admin everything; a signed-in person reads the jobs
 * of a repository they can read on Gitea (a role of at least `read`; a Gitea that does not answer
 * hides the jobs rather than guessing) and acts (cancel, retry) with exactly the authorization of
 * the commands; anonymous nothing. A person is a user of the instance they signed in on
 * (`Viewer.instance`): jobs of a repository on another instance are hidden from them without
 * asking any Gitea, since the same login there is another person.
 */
export class ViewerAccess {
  constructor(private readonly deps: ViewerAccessDeps) {}

  /** True when `viewer` may see jobs of `repo`. Never throws. */
  async canRead(viewer: Viewer, repo: RepoName): Promise<boolean> {
    if (viewer.kind === 'admin') return true;
    if (viewer.kind !== 'person' || !sameInstance(viewer, repo)) return false;
    try {
      const role = await this.deps.role(repo, viewer.login);
      return role !== 'unknown' && role !== 'none';
    } catch {
      return false;
    }
  }

  /** Whether `viewer` may cancel or retry jobs of `repo` (the `/kugetsu stop|retry` check). */
  async canAct(viewer: Viewer, repo: RepoName): Promise<ActDecision> {
    if (viewer.kind === 'admin') return { allowed: true };
    if (viewer.kind !== 'person') return { allowed: false, reason: 'sign in first' };
    if (!sameInstance(viewer, repo)) return { allowed: false, reason: 'this job belongs to another Gitea instance than the one you signed in on' };
    const result = await this.deps.authorize(repo, { id: viewer.id, login: viewer.login });
    if (result.allowed === true) return { allowed: true };
    return result.allowed === false ? { allowed: false, reason: result.reason } : { allowed: 'unknown', reason: result.reason };
  }
}

/** True when the person signed in on the instance the repository lives on (both absent: the first). */
function sameInstance(viewer: Extract<Viewer, { kind: 'person' }>, repo: RepoName): boolean {
  return (viewer.instance ?? undefined) === (repo.instance ?? undefined);
}
