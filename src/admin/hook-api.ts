import { createGiteaClient } from '../gitea/create-gitea-client.js';
import type { GiteaAccess, HookApi } from './hook-api-types.js';
import type { HookTarget } from './hook-target.js';
import { createOrgHookApi } from './org-hook-api.js';

/**
 * A {@link HookApi} for `target`: repository hooks through kugetsu's Gitea client
 * (`/repos/{o}/{r}/hooks`), organisation hooks through {@link createOrgHookApi} (`/orgs/{org}/hooks`,
 * which the Gitea client does not cover).
 */
export function createHookApi(access: GiteaAccess, target: HookTarget): HookApi {
  if (target.kind === 'org') return createOrgHookApi(access, target.org);
  const client = createGiteaClient(access);
  const { owner, repo } = target;
  return {
    list: () => client.listHooks(owner, repo),
    create: (hook) => client.createHook(owner, repo, hook),
    edit: (id, hook) => client.editHook(owner, repo, id, hook),
    remove: (id) => client.deleteHook(owner, repo, id),
  };
}
