import { instancePrefix, type RepoRef } from '../domain/repo-ref.js';
import type { GiteaEvent } from '../events/event.js';
import { GiteaError, type GiteaClient, type GiteaIssue } from '../gitea/types.js';
import type { RepoSettings } from '../config/repo-settings.js';
import { parseCommand } from '../triggers/parse-command.js';

/**
 * What Gitea's API says about an event a delivery claimed:
 * - `confirmed`: the event rebuilt from Gitea's answers (repository, author, body, labels, head
 *   branch…), to be routed instead of the payload; `eventKey` replaces the delivery's content key
 *   when Gitea gives a better one (a review's id, a label addition's timeline entry);
 * - `refuted`: Gitea says otherwise (`forgery: true`: the payload claims what Gitea does not show —
 *   a possible forgery), or cannot tell (`forgery: false`: e.g. kugetsu's account may not read it);
 * - `unavailable`: Gitea could not answer now (network, 5xx, 429); confirm again later.
 */
export type Confirmation =
  | { kind: 'confirmed'; event: GiteaEvent; eventKey?: string }
  | { kind: 'refuted'; reason: string; forgery: boolean }
  | { kind: 'unavailable'; reason: string };

/** What {@link EventConfirmer} needs. Times are ms. */
export interface EventConfirmerDeps {
  gitea: Pick<GiteaClient, 'getRepository' | 'getIssue' | 'getComment' | 'getPullRequest' | 'listPullReviews' | 'labelAddition'>;
  /** The repository's trigger labels and command word. */
  settingsFor: (owner: string, repo: string) => Pick<RepoSettings, 'triggerLabels' | 'command'>;
  /** How long a repository read is reused (default 60 000 ms). */
  repoTtlMs?: number;
  now?: () => number;
}

/** A refutation raised inside a confirmation. */
class Refuted extends Error {
  constructor(
    message: string,
    readonly forgery = true,
  ) {
    super(message);
  }
}

/**
 * Reads back from Gitea's API what a signed delivery says happened, before anything is admitted
 * (a signature proves only that the sender knew a secret kugetsu accepts: gitea-contract.md §5a):
 * - the repository (`GET /repos/{o}/{r}`, swagger `repoGet`): it exists; its clone URL, default
 *   branch and web URL come from this answer, never from the payload (cached for `repoTtlMs`);
 * - a command: the comment (`GET …/issues/comments/{id}`, swagger `issueGetComment`) exists, is on
 *   that issue, by that sender, and its body carries the same command; then the issue (`GET
 *   …/issues/{n}`) and, on a pull request, the pull request (`GET …/pulls/{n}`) for its head branch;
 * - a label: the issue's current labels (`GET …/issues/{n}`) show the trigger label when the
 *   payload says so (and do not when it says it is gone), and the timeline (`GET
 *   …/issues/{n}/timeline`) says who added it — that person is the delegator;
 * - a review: the pull request (`GET …/pulls/{n}`) and a submitted, not dismissed
 *   `REQUEST_CHANGES` review by the sender with that text (`GET …/pulls/{n}/reviews`, swagger
 *   `repoListPullReviews`; the payload's `review` has no id: gitea-contract.md §5a).
 * Never throws: every outcome is a {@link Confirmation}.
 */
export class EventConfirmer {
  private readonly repos = new Map<string, { repo: RepoRef; at: number }>();
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(private readonly deps: EventConfirmerDeps) {
    this.ttlMs = deps.repoTtlMs ?? 60_000;
    this.now = deps.now ?? Date.now;
  }

  async confirm(claimed: GiteaEvent): Promise<Confirmation> {
    try {
      const repo = await this.repository(claimed.repo);
      switch (claimed.kind) {
        case 'comment_created':
          return await this.comment(claimed, repo);
        case 'issue_labels_changed':
          return await this.labels(claimed, repo);
        case 'review_rejected':
          return await this.review(claimed, repo);
      }
    } catch (err) {
      if (err instanceof Refuted) return { kind: 'refuted', reason: err.message, forgery: err.forgery };
      if (err instanceof GiteaError && err.retryable) return { kind: 'unavailable', reason: err.message };
      if (err instanceof GiteaError) return { kind: 'refuted', reason: `Gitea refused to confirm it: ${err.message}`, forgery: false };
      return { kind: 'unavailable', reason: err instanceof Error ? err.message : String(err) };
    }
  }

  /** The repository as Gitea describes it; a 404 refutes the delivery. */
  private async repository(claimed: RepoRef): Promise<RepoRef> {
    const name = `${claimed.owner}/${claimed.name}`.toLowerCase();
    // One cache for every instance: the same owner/repo on two instances are two repositories.
    const key = `${instancePrefix(claimed)}${name}`;
    const cached = this.repos.get(key);
    if (cached && this.now() - cached.at < this.ttlMs) return cached.repo;
    const repo = await notFound(this.deps.gitea.getRepository(claimed.owner, claimed.name), `repository ${claimed.owner}/${claimed.name} does not exist in Gitea`);
    if (`${repo.owner}/${repo.name}`.toLowerCase() !== name) {
      throw new Refuted(`Gitea names the repository ${repo.owner}/${repo.name}, not ${claimed.owner}/${claimed.name}`);
    }
    this.repos.set(key, { repo, at: this.now() });
    if (this.repos.size > 1_000) this.repos.delete(this.repos.keys().next().value!);
    return repo;
  }

  private async comment(claimed: Extract<GiteaEvent, { kind: 'comment_created' }>, repo: RepoRef): Promise<Confirmation> {
    const { gitea } = this.deps;
    const id = claimed.comment.id;
    // The comment and the issue it claims to be on, read at once (a comment elsewhere is refuted anyway).
    const issueRead = notFound(gitea.getIssue(repo.owner, repo.name, claimed.issue.number), `issue #${claimed.issue.number} does not exist`);
    issueRead.catch(() => undefined);
    const comment = await notFound(gitea.getComment(repo.owner, repo.name, id), `comment ${id} does not exist in ${repo.owner}/${repo.name}`);
    if (comment.issueNumber !== claimed.issue.number) {
      throw new Refuted(`comment ${id} is on #${comment.issueNumber ?? '?'} in Gitea, not on #${claimed.issue.number}`);
    }
    if (comment.user.id !== claimed.sender.id) {
      throw new Refuted(`comment ${id} was written by @${comment.user.login} in Gitea, not by @${claimed.sender.login}`);
    }
    const word = this.deps.settingsFor(repo.owner, repo.name).command;
    const said = parseCommand(comment.body, word);
    const claimedCommand = parseCommand(claimed.comment.body, word);
    if (!said) throw new Refuted(`comment ${id} carries no ${word} command in Gitea`);
    if (!claimedCommand || said.message !== claimedCommand.message) throw new Refuted(`comment ${id} says something else in Gitea`);
    const issue = await issueRead;
    const pr = issue.isPull ? await notFound(gitea.getPullRequest(repo.owner, repo.name, issue.number), `pull request #${issue.number} does not exist`) : undefined;
    return {
      kind: 'confirmed',
      event: {
        kind: 'comment_created',
        repo,
        issue: snapshot(issue),
        comment: { id, body: comment.body, htmlUrl: comment.htmlUrl },
        pull: pr ? { headRef: pr.headRef, fromFork: pr.fromFork ?? false } : undefined,
        sender: comment.user,
      },
    };
  }

  private async labels(claimed: Extract<GiteaEvent, { kind: 'issue_labels_changed' }>, repo: RepoRef): Promise<Confirmation> {
    const { gitea } = this.deps;
    const n = claimed.issue.number;
    const wanted = this.deps.settingsFor(repo.owner, repo.name).triggerLabels.map((l) => l.toLowerCase());
    const isTrigger = (l: { name: string }) => wanted.includes(l.name.toLowerCase());
    const claimedLabel = claimed.issue.labels.find(isTrigger);
    // The timeline of the label the payload names is read beside the issue; it counts only if
    // Gitea shows that very label on the issue.
    const additionRead = claimedLabel ? gitea.labelAddition(repo.owner, repo.name, n, claimedLabel.id) : undefined;
    additionRead?.catch(() => undefined);
    const issue = await notFound(gitea.getIssue(repo.owner, repo.name, n), `issue #${n} does not exist in ${repo.owner}/${repo.name}`);
    if (issue.isPull) throw new Refuted(`#${n} is a pull request in Gitea, not an issue`);
    const label = issue.labels.find(isTrigger);
    if (claimedLabel && !label) throw new Refuted(`Gitea does not show the trigger label on #${n}`);
    if (!claimedLabel && label) throw new Refuted(`Gitea still shows the trigger label "${label.name}" on #${n}`);
    if (!label) return { kind: 'confirmed', event: { ...claimed, repo, issue: snapshot(issue) } };
    const added = label.id === claimedLabel?.id && additionRead ? await additionRead : await gitea.labelAddition(repo.owner, repo.name, n, label.id);
    if (!added) throw new Refuted(`the timeline of #${n} does not say who added the label "${label.name}"`, false);
    return {
      kind: 'confirmed',
      // The delegator is who added the trigger label, whoever changed some label this time.
      event: { kind: 'issue_labels_changed', repo, issue: snapshot(issue), sender: added.user },
      eventKey: `label:${instancePrefix(repo)}${repo.owner}/${repo.name}#${n}:${label.id}:${added.entryId}`.toLowerCase(),
    };
  }

  private async review(claimed: Extract<GiteaEvent, { kind: 'review_rejected' }>, repo: RepoRef): Promise<Confirmation> {
    const { gitea } = this.deps;
    const n = claimed.pull.number;
    const pr = await notFound(gitea.getPullRequest(repo.owner, repo.name, n), `pull request #${n} does not exist in ${repo.owner}/${repo.name}`);
    const text = claimed.review.content.trim();
    const review = (await gitea.listPullReviews(repo.owner, repo.name, n))
      .filter((r) => r.user.id === claimed.sender.id && r.state === 'REQUEST_CHANGES' && !r.dismissed && r.body.trim() === text)
      .at(-1);
    if (!review) throw new Refuted(`Gitea shows no "request changes" review by @${claimed.sender.login} with that text on pull request #${n}`);
    return {
      kind: 'confirmed',
      event: {
        kind: 'review_rejected',
        repo,
        pull: { number: pr.number, title: pr.title, htmlUrl: pr.htmlUrl, headRef: pr.headRef, fromFork: pr.fromFork ?? false },
        review: { content: review.body },
        sender: review.user,
      },
      eventKey: `review:${repo.owner}/${repo.name}:${review.id}`.toLowerCase(),
    };
  }
}

/** The issue as an event describes it. */
function snapshot(issue: GiteaIssue) {
  return {
    number: issue.number,
    title: issue.title,
    body: issue.body,
    htmlUrl: issue.htmlUrl,
    labels: issue.labels,
    isPull: issue.isPull,
    ...(issue.state === 'closed' ? { closed: true } : {}),
  };
}

/** `work`'s value; a 404 from Gitea becomes a refutation saying `why`. */
async function notFound<T>(work: Promise<T>, why: string): Promise<T> {
  try {
    return await work;
  } catch (err) {
    if (err instanceof GiteaError && err.status === 404) throw new Refuted(why);
    throw err;
  }
}
