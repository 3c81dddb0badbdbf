import type { RepoRef } from '../domain/repo-ref.js';
import { repoLabel } from '../domain/repo-ref.js';
import type { SecretSet } from './webhook-secrets.js';

/**
 * The repositories of one instance that accept its global secret (`KUGETSU_WEBHOOK_SECRET`, or the
 * instance's `secret_env`) because they have no secret of their own: more than one means an admin
 * of any of them can sign deliveries for the others. `repos` are that instance's repositories
 * (duplicates allowed); `secretsFor` is the instance's lookup (lowercase `owner/repo` → the secret
 * sets the ingress would try, see `chooseSecrets`). Returns their names as people read them
 * ({@link repoLabel}: `host/owner/name` when several instances are configured), sorted, each once (as first
 * spelled).
 */
export function reposSharingGlobalSecret(repos: readonly RepoRef[], secretsFor: (fullName: string) => readonly SecretSet[]): string[] {
  const shared = new Map<string, string>();
  for (const repo of repos) {
    const name = `${repo.owner}/${repo.name}`.toLowerCase();
    const key = repoLabel(repo).toLowerCase();
    if (!shared.has(key) && secretsFor(name).some((set) => set.scope === 'global')) shared.set(key, repoLabel(repo));
  }
  return [...shared.keys()].sort().map((key) => shared.get(key)!);
}
