import type { GiteaClient, GiteaPullRequest } from '../gitea/types.js';

/**
 * The open pull request whose head branch is `head` in `owner/repo`, if any: one
 * `GET /repos/{o}/{r}/pulls?state=open` (every page; Gitea v1.25.4 swagger `repoListPullRequests`,
 * `head.ref` is the branch name). Rejects with the client's `GiteaError`.
 */
export async function findOpenPullRequest(gitea: Pick<GiteaClient, 'listPullRequests'>, owner: string, repo: string, head: string): Promise<GiteaPullRequest | undefined> {
  const open = await gitea.listPullRequests(owner, repo, 'open');
  return open.find((pr) => pr.headRef === head);
}
