import { z } from 'zod';
import { hookSchema } from '../gitea/gitea-schemas.js';
import { toGiteaError } from '../gitea/to-gitea-error.js';
import { GiteaError } from '../gitea/types.js';
import type { GiteaAccess, HookApi } from './hook-api-types.js';

/**
 * Organisation webhooks over `fetch` (`GET|POST /orgs/{org}/hooks`, `PATCH|DELETE
 * /orgs/{org}/hooks/{id}`; Gitea v1.25.4 swagger `orgListHooks`, `orgCreateHook`, `orgEditHook`,
 * `orgDeleteHook`), with the same bodies, defaults (`active: true`, `branch_filter: *`) and
 * `GiteaError`s as the repository hooks of `createGiteaClient`. Reads every page of the list.
 */
export function createOrgHookApi(access: GiteaAccess, org: string): HookApi {
  const base = `${access.baseUrl.replace(/\/+$/, '')}/api/v1/orgs/${encodeURIComponent(org)}/hooks`;
  const doFetch: typeof fetch = access.fetch ?? ((input, init) => fetch(input, init));

  async function request(operation: string, method: string, url: string, body?: unknown): Promise<{ data: unknown; headers: Headers }> {
    let response: Response;
    try {
      response = await doFetch(url, {
        method,
        headers: { authorization: `token ${access.token}`, accept: 'application/json', ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
    } catch (failure) {
      throw toGiteaError(operation, failure, [access.token]);
    }
    const text = await response.text();
    let data: unknown;
    try {
      data = text === '' ? undefined : JSON.parse(text);
    } catch {
      data = undefined;
    }
    if (!response.ok) throw toGiteaError(operation, { status: response.status, statusText: response.statusText, headers: response.headers, error: data }, [access.token]);
    return { data, headers: response.headers };
  }

  function hook(operation: string, data: unknown) {
    const parsed = hookSchema.safeParse(data);
    if (!parsed.success) throw new GiteaError(operation, 200, `unexpected response body: ${z.prettifyError(parsed.error)}`);
    return parsed.data;
  }

  return {
    async list() {
      const hooks = [];
      for (let page = 1; page <= 200; page++) {
        const { data, headers } = await request('orgListHooks', 'GET', `${base}?page=${page}&limit=50`);
        const parsed = z.array(hookSchema).safeParse(data);
        if (!parsed.success) throw new GiteaError('orgListHooks', 200, `unexpected response body: ${z.prettifyError(parsed.error)}`);
        hooks.push(...parsed.data);
        const total = Number(headers.get('x-total-count') ?? Number.NaN);
        if (parsed.data.length === 0 || (Number.isFinite(total) ? hooks.length >= total : parsed.data.length < 50)) break;
      }
      return hooks;
    },
    async create(h) {
      const { data } = await request('orgCreateHook', 'POST', base, {
        type: h.type ?? 'gitea',
        config: { url: h.url, content_type: h.contentType ?? 'json', secret: h.secret },
        events: [...h.events],
        branch_filter: h.branchFilter ?? '*',
        active: h.active ?? true,
        ...(h.authorizationHeader !== undefined ? { authorization_header: h.authorizationHeader } : {}),
      });
      return hook('orgCreateHook', data);
    },
    async edit(id, h) {
      const config: Record<string, string> = {};
      if (h.url !== undefined) config['url'] = h.url;
      if (h.contentType !== undefined) config['content_type'] = h.contentType;
      const { data } = await request('orgEditHook', 'PATCH', `${base}/${id}`, {
        ...(Object.keys(config).length > 0 ? { config } : {}),
        events: [...h.events],
        branch_filter: h.branchFilter ?? '*',
        ...(h.active !== undefined ? { active: h.active } : {}),
      });
      return hook('orgEditHook', data);
    },
    async remove(id) {
      await request('orgDeleteHook', 'DELETE', `${base}/${id}`);
    },
  };
}
