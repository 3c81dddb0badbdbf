import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { FAKE_PERMISSIONS, type FakeGiteaState, type FakePermission, type FakeRepo, type FakeUser } from './fake-gitea-state.js';

/** Hono environment of the fake's routes: the authenticated caller (null when anonymous). */
export type FakeGiteaEnv = { Variables: { caller: FakeUser | null } };
/** A request context of the fake's routes. */
export type FakeCtx = Context<FakeGiteaEnv>;

/**
 * Request helpers shared by the fake's route files: Gitea's error shape, JSON body binding,
 * repository resolution with permission checks, pagination.
 */
export class FakeGiteaHttp {
  constructor(readonly state: FakeGiteaState) {}

  /** Gitea's error body `{message, url}` (v1.25 `services/context/api.go` `APIError`). */
  error(c: FakeCtx, status: number, message: string): Response {
    return c.json({ message, url: `${this.state.baseUrl}/api/swagger` }, status as ContentfulStatusCode);
  }

  /** Gitea's 404 (`APIErrorNotFound`). */
  notFound(c: FakeCtx, message = "The target couldn't be found."): Response {
    return c.json({ message, url: `${this.state.baseUrl}/api/swagger`, errors: [] }, 404);
  }

  /**
   * The JSON body as an object, or Gitea's binding failure (422 `{message}`) when it is not
   * JSON or misses a required field (`binding:"Required"` in `modules/structs`).
   */
  async body(c: FakeCtx, required: readonly string[] = []): Promise<Record<string, unknown> | Response> {
    let parsed: unknown;
    try {
      const text = await c.req.text();
      parsed = text.trim() === '' ? {} : JSON.parse(text);
    } catch {
      return this.error(c, 422, 'invalid JSON body');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      return this.error(c, 422, 'body must be a JSON object');
    }
    const obj = parsed as Record<string, unknown>;
    const missing = required.filter((k) => obj[k] === undefined || obj[k] === null || obj[k] === '');
    if (missing.length > 0) return this.error(c, 422, missing.map((k) => `[${capitalise(k)}]: Required`).join(', '));
    return obj;
  }

  /**
   * The repository named by the `owner`/`repo` path params, checked against the caller's access:
   * unknown, or private and unreadable → 404 (Gitea hides what you may not see); readable but
   * below `need` → 403 with `message`.
   */
  repo(c: FakeCtx, need: FakePermission = 'read', message = 'user should have a permission to write to a repo'): { repo: FakeRepo; permission: FakePermission } | Response {
    const repo = this.state.findRepo(c.req.param('owner') ?? '', c.req.param('repo') ?? '');
    if (!repo) return this.notFound(c);
    const permission = this.state.permissionOf(repo, c.get('caller'));
    if (permission === 'none') return this.notFound(c);
    if (rank(permission) < rank(need)) return this.error(c, 403, message);
    return { repo, permission };
  }

  /**
   * `page`/`limit` of a list route (Gitea `GetListOptions`: default 30 per page, at most 50) and
   * `X-Total-Count`.
   */
  page<T>(c: FakeCtx, items: readonly T[]): T[] {
    const page = Math.max(1, Number.parseInt(c.req.query('page') ?? '1', 10) || 1);
    const asked = Number.parseInt(c.req.query('limit') ?? '', 10);
    const limit = Number.isFinite(asked) && asked > 0 ? Math.min(asked, 50) : 30;
    c.header('X-Total-Count', String(items.length));
    return items.slice((page - 1) * limit, page * limit);
  }
}

/** Position of an access mode in `none < read < write < admin < owner`. */
export function rank(permission: FakePermission): number {
  return FAKE_PERMISSIONS.indexOf(permission);
}

/** A positive integer path param, or NaN (Gitea's `PathParamInt64` yields 0 → not found). */
export function intParam(c: FakeCtx, name: string): number {
  const raw = c.req.param(name) ?? '';
  return /^[0-9]+$/.test(raw) ? Number(raw) : Number.NaN;
}

function capitalise(word: string): string {
  return word.replace(/(^|_)([a-z])/g, (_m, _s: string, ch: string) => ch.toUpperCase());
}
