import { SAFE_NAME } from '../domain/repo-ref.js';

/** Where a webhook lives: one repository, or an organisation (its hooks see every repository of it). */
export type HookTarget = { kind: 'repo'; owner: string; repo: string } | { kind: 'org'; org: string };

/**
 * Parses the `<owner/repo | org>` argument of `kugetsu hooks …`: `acme/app` is a repository,
 * `acme` an organisation. Throws an `Error` saying what a valid target looks like.
 */
export function parseHookTarget(text: string): HookTarget {
  const parts = text.trim().split('/');
  const valid = (name: string | undefined): name is string => name !== undefined && SAFE_NAME.test(name) && !/\.\.|\.$/.test(name);
  if (parts.length === 1 && valid(parts[0])) return { kind: 'org', org: parts[0] };
  if (parts.length === 2 && valid(parts[0]) && valid(parts[1])) return { kind: 'repo', owner: parts[0], repo: parts[1] };
  throw new Error(`"${text}" is not a repository (owner/repo) or an organisation name (letters, digits, "_", "-", ".")`);
}

/** `owner/repo`, or `org/*` for an organisation: the key of its secret (lowercase, as the ingress looks it up). */
export function targetKey(target: HookTarget): string {
  return (target.kind === 'repo' ? `${target.owner}/${target.repo}` : `${target.org}/*`).toLowerCase();
}

/** `owner/repo` or `org` as the user typed it, for messages. */
export function targetLabel(target: HookTarget): string {
  return target.kind === 'repo' ? `${target.owner}/${target.repo}` : `organisation ${target.org}`;
}
