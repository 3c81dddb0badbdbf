import { createGiteaClient } from '../gitea/create-gitea-client.js';
import type { GiteaHook, GiteaHookEdit, NewGiteaHook } from '../gitea/types.js';
import type { HookTarget } from './hook-target.js';
import { createOrgHookApi } from './org-hook-api.js';

/** How to reach Gitea's API: root URL, token, and optionally another `fetch` (tests). */
export interface GiteaAccess {
  baseUrl: string;
  token: string;
  fetch?: typeof fetch;
}

/**
 * The webhooks of one repository or organisation. Every method rejects with a `GiteaError`.
 * Edits replace `events` and `branch_filter` and never change the secret (gitea-contract.md §4).
 */
export interface HookApi {
  list(): Promise<GiteaHook[]>;
  create(hook: NewGiteaHook): Promise<GiteaHook>;
  edit(id: number, hook: GiteaHookEdit): Promise<GiteaHook>;
  remove(id: number): Promise<void>;
}

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
