/** A repository role as Gitea reports it (`GET …/collaborators/{user}/permission`, `AccessMode.ToString()`). */
export type Role = 'none' | 'read' | 'write' | 'admin' | 'owner';

const RANK: Record<Role, number> = { none: 0, read: 1, write: 2, admin: 3, owner: 4 };

/** Who may delegate work: the least role on the repository, plus optional exact login lists. */
export interface AccessPolicy {
  minRole: Exclude<Role, 'none'>;
  /** When not empty, only these logins (lowercase) may delegate — and still need `minRole`. */
  allowUsers: readonly string[];
  /** These logins (lowercase) may never delegate. */
  denyUsers: readonly string[];
}

/**
 * Why the access policy refused, as a fixed code (for metrics): on `KUGETSU_DENY_USERS`, not on
 * `KUGETSU_ALLOW_USERS`, or a role below the least role.
 */
export type AccessRefusal = 'deny-list' | 'allow-list' | 'role';

/**
 * The outcome of an access check; a refusal carries a log reason, a reply for the person and a
 * fixed `code` (`AccessRefusal`, or `permission-unreadable` when Gitea would not tell the role).
 */
export type AccessDecision = { allowed: true } | { allowed: false; reason: string; reply: string; code: AccessRefusal | 'permission-unreadable' };

/**
 * Decides whether `login`, holding `role` on `repoName`, may delegate work. Pure. Logins are
 * compared exactly (case-insensitively, as Gitea treats them) — never as patterns or prefixes.
 */
export function decideAccess(policy: AccessPolicy, login: string, role: Role, repoName: string): AccessDecision {
  const who = login.toLowerCase();
  if (policy.denyUsers.includes(who)) {
    return { allowed: false, code: 'deny-list', reason: `@${login} is on KUGETSU_DENY_USERS`, reply: `@${login} is not allowed to ask kugetsu for work on this instance.` };
  }
  if (policy.allowUsers.length > 0 && !policy.allowUsers.includes(who)) {
    return {
      allowed: false,
      code: 'allow-list',
      reason: `@${login} is not on KUGETSU_ALLOW_USERS`,
      reply: `@${login} is not on the list of people who may ask kugetsu for work; ask the person who runs kugetsu to add you.`,
    };
  }
  if (RANK[role] < RANK[policy.minRole]) {
    return {
      allowed: false,
      code: 'role',
      reason: `@${login} has ${role} permission on ${repoName}; ${policy.minRole} is required`,
      reply: `@${login} needs ${policy.minRole} permission on ${repoName} to ask kugetsu for work (you have ${role === 'none' ? 'no' : role} permission). Ask a maintainer to run it for you.`,
    };
  }
  return { allowed: true };
}
