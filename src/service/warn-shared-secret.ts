import type { RepoRef } from '../domain/repo-ref.js';
import type { Instance, InstanceRegistry } from '../gitea/instance-registry.js';
import { reposSharingGlobalSecret } from '../ingress/shared-secret-repos.js';
import type { SecretSet } from '../ingress/webhook-secrets.js';
import type { Logger } from '../log/logger.js';

/**
 * Warns, per instance, when one secret signs deliveries for several of `repos` (the repositories
 * the store knows and those of `KUGETSU_REPOS`): an admin of any of them can then sign deliveries
 * for the others. Each instance is checked with its own secrets (`secretsOf`).
 */
export function warnSharedSecret(
  repos: readonly RepoRef[],
  deps: { instances: InstanceRegistry; secretsOf: (instance: Instance) => (fullName: string) => readonly SecretSet[]; logger: Logger },
): void {
  const { instances } = deps;
  for (const instance of instances.all) {
    const shared = reposSharingGlobalSecret(
      repos.filter((repo) => instances.of(repo) === instance),
      deps.secretsOf(instance),
    );
    if (shared.length > 1) {
      deps.logger.warn(
        { instance: instance.name, repositories: shared.slice(0, 20), count: shared.length },
        `${instance === instances.first ? 'KUGETSU_WEBHOOK_SECRET' : `The secret of instance ${instance.name}`} signs deliveries for several repositories: an admin of any of them can sign deliveries for the others. Give each its own secret (kugetsu hooks install, or kugetsu hooks secret owner/repo); see README "Security model"`,
      );
    }
  }
}
