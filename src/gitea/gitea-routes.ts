/**
 * The Gitea API routes kugetsu calls, as the route templates of Gitea's v1.25.4 swagger
 * (`shared/gitea/swagger-v1.25.4.json`, `paths`), method first. A request is named by its template
 * (e.g. `GET /repos/{owner}/{repo}/issues/{index}`), never by the names or numbers in its path, so
 * a metric label over it stays bounded and carries no repository or user name.
 */
export const GITEA_ROUTES: readonly (readonly [method: string, template: string])[] = [
  ['GET', '/user'],
  ['GET', '/repos/{owner}/{repo}'],
  ['GET', '/repos/{owner}/{repo}/collaborators/{collaborator}/permission'],
  ['GET', '/repos/{owner}/{repo}/hooks'],
  ['POST', '/repos/{owner}/{repo}/hooks'],
  ['DELETE', '/repos/{owner}/{repo}/hooks/{id}'],
  ['PATCH', '/repos/{owner}/{repo}/hooks/{id}'],
  ['GET', '/repos/{owner}/{repo}/issues'],
  ['GET', '/repos/{owner}/{repo}/issues/comments'],
  ['GET', '/repos/{owner}/{repo}/issues/comments/{id}'],
  ['DELETE', '/repos/{owner}/{repo}/issues/comments/{id}'],
  ['PATCH', '/repos/{owner}/{repo}/issues/comments/{id}'],
  ['POST', '/repos/{owner}/{repo}/issues/comments/{id}/reactions'],
  ['GET', '/repos/{owner}/{repo}/issues/{index}'],
  ['GET', '/repos/{owner}/{repo}/issues/{index}/comments'],
  ['POST', '/repos/{owner}/{repo}/issues/{index}/comments'],
  ['POST', '/repos/{owner}/{repo}/issues/{index}/labels'],
  ['DELETE', '/repos/{owner}/{repo}/issues/{index}/labels/{id}'],
  ['GET', '/repos/{owner}/{repo}/issues/{index}/timeline'],
  ['GET', '/repos/{owner}/{repo}/labels'],
  ['POST', '/repos/{owner}/{repo}/labels'],
  ['GET', '/repos/{owner}/{repo}/pulls'],
  ['POST', '/repos/{owner}/{repo}/pulls'],
  ['GET', '/repos/{owner}/{repo}/pulls/{index}'],
  ['GET', '/repos/{owner}/{repo}/pulls/{index}/reviews'],
  ['POST', '/repos/{owner}/{repo}/statuses/{sha}'],
];

/** The label of a request that matches none of {@link GITEA_ROUTES}. */
export const OTHER_ROUTE = 'other';

const COMPILED = GITEA_ROUTES.map(([method, template]) => ({
  method,
  name: `${method} ${template}`,
  // Numeric parameters ({index}, {id}) match digits only, so `issues/comments` is not `issues/{index}`.
  pattern: new RegExp(`^${template.replace(/\{([a-z]+)\}/g, (_m, name: string) => (name === 'index' || name === 'id' ? '\\d+' : '[^/]+'))}$`),
}));

/**
 * The route template of a request to Gitea's API: `METHOD /template` (see {@link GITEA_ROUTES}),
 * or {@link OTHER_ROUTE}. `url` is the full request URL; `apiRoot` is Gitea's root URL plus
 * `/api/v1` (the prefix is stripped before matching; a URL outside it is `other`).
 */
export function giteaRoute(method: string, url: string, apiRoot: string): string {
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    return OTHER_ROUTE;
  }
  const prefix = new URL(apiRoot).pathname.replace(/\/+$/, '');
  if (!path.startsWith(`${prefix}/`)) return OTHER_ROUTE;
  const rest = path.slice(prefix.length).replace(/\/+$/, '') || '/';
  const m = method.toUpperCase();
  return COMPILED.find((r) => r.method === m && r.pattern.test(rest))?.name ?? OTHER_ROUTE;
}
