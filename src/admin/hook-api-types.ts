import type { GiteaHook, GiteaHookEdit, NewGiteaHook } from '../gitea/types.js';

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
