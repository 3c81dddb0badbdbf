import { instancePrefix, isSafeRepoRef, repoKey, repoLabel, type RepoRef } from '../domain/repo-ref.js';
import { commentEventKey } from '../events/event-key.js';
import { issueKey } from '../domain/issue-key.js';
import { parseCommand } from '../triggers/parse-command.js';
import type { RepoSettings } from '../config/repo-settings.js';
import type { GiteaEvent } from '../events/event.js';
import type { GiteaClient } from '../gitea/types.js';
import type { Logger } from '../log/logger.js';
import type { JobStore } from '../store/job-store.js';
import type { Dispatcher } from './dispatcher.js';

/** What the {@link Reconciler} needs; all injected by the composition root. */
export interface ReconcilerDeps {
  store: JobStore;
  gitea: GiteaClient;
  dispatcher: Dispatcher;
  logger: Logger;
  /** Per-repository trigger labels and command word (comments without it are skipped before any API call). */
  settingsFor: (owner: string, repo: string) => Pick<RepoSettings, 'triggerLabels' | 'command'>;
  /** The bot's user id once known: its comments are never delegations. */
  botUserId: () => number | undefined;
  /**
   * Repositories named in the configuration (`KUGETSU_REPOS`), besides those seen in deliveries,
   * each marked with the instance it lives on like a {@link RepoRef} (`instance` absent: the first).
   */
  configuredRepos: Array<Pick<RepoRef, 'owner' | 'name' | 'instance' | 'host'>>;
  /**
   * Runs one repository's pass for the Gitea/Forgejo instance it lives on (`repo.instance`), given
   * the repository as that instance sees it (several instances: `host` set); default: the
   * repository as stored. A configured repository is also read (`GET /repos/{o}/{r}`) through it.
   */
  within?: <T>(repo: RepoRef, pass: (repo: RepoRef) => Promise<T>) => Promise<T>;
  now?: () => Date;
}

/** What one pass found and admitted. */
export interface ReconcileReport {
  repos: number;
  admitted: number;
  errors: number;
}

/**
 * Recovers what kugetsu missed while it was down or while Gitea could not deliver (Gitea never
 * retries a failed delivery: gitea-contract.md §3). For each repository kugetsu has seen or is
 * configured for, it reads through the API:
 * - open issues carrying the trigger label (`GET …/issues?state=open&labels=…&type=issues`) → a label
 *   delegation unless one is active (the same rule as the webhook: label present, nothing active);
 * - comments newer than the repository's cursor (`GET …/issues/comments?since=…`) → routed exactly
 *   like a delivered comment, under the same content key, so a comment already handled through its
 *   webhook is not acted on again.
 * The first pass over a repository only sets its comment cursor to now: history older than
 * kugetsu's first sight of a repository is never replayed. Errors of one repository are logged and
 * do not stop the others.
 */
export class Reconciler {
  constructor(private readonly deps: ReconcilerDeps) {}

  private running: Promise<ReconcileReport> | undefined;

  /** One pass over every repository; a call while a pass runs joins that pass. */
  reconcile(): Promise<ReconcileReport> {
    this.running ??= this.pass().finally(() => (this.running = undefined));
    return this.running;
  }

  private async pass(): Promise<ReconcileReport> {
    const report: ReconcileReport = { repos: 0, admitted: 0, errors: 0 };
    for (const repo of await this.repos()) {
      report.repos++;
      try {
        const within = this.deps.within ?? ((r, pass) => pass(r));
        report.admitted += await within(repo, async (r) => (await this.labels(r)) + (await this.comments(r)));
      } catch (err) {
        report.errors++;
        this.deps.logger.warn({ err, repo: repoLabel(repo) }, 'reconciliation of a repository failed; it is tried again on the next pass');
      }
    }
    if (report.admitted > 0) this.deps.logger.info(report, 'reconciliation admitted missed work');
    return report;
  }

  private async repos(): Promise<RepoRef[]> {
    const known = await this.deps.store.knownRepos();
    // The same owner/name on two instances are two repositories.
    const byName = new Map(known.map((r) => [repoKey(r), r]));
    const within = this.deps.within ?? ((r, pass) => pass(r));
    for (const c of this.deps.configuredRepos) {
      const key = repoKey(c);
      if (byName.has(key)) continue;
      // A configured repository never seen in a delivery: its instance's API gives what a payload would.
      const repo = await within({ ...c, fullName: `${c.owner}/${c.name}`, cloneUrl: '', defaultBranch: '', htmlUrl: '' }, () =>
        this.deps.gitea.getRepository(c.owner, c.name),
      ).catch((err: unknown) => {
        this.deps.logger.warn({ err, repo: repoLabel(c) }, "configured repository cannot be read; check KUGETSU_REPOS and its instance's token");
        return undefined;
      });
      if (repo) {
        await this.deps.store.rememberRepo(repo);
        byName.set(key, repo);
      }
    }
    return [...byName.values()].filter(isSafeRepoRef);
  }

  private async labels(repo: RepoRef): Promise<number> {
    const wanted = this.deps.settingsFor(repo.owner, repo.name).triggerLabels;
    if (wanted.length === 0) return 0;
    // One query per label: whether Gitea's `labels` filter means "all of" or "any of" is not
    // something to rely on. An issue carrying two trigger labels is seen once.
    const byNumber = new Map<number, Awaited<ReturnType<GiteaClient['listIssues']>>[number]>();
    for (const name of wanted) {
      for (const issue of await this.deps.gitea.listIssues(repo.owner, repo.name, { state: 'open', labels: [name], type: 'issues' })) byNumber.set(issue.number, issue);
    }
    const issues = [...byNumber.values()].sort((a, b) => a.number - b.number);
    const lower = wanted.map((l) => l.toLowerCase());
    let admitted = 0;
    for (const issue of issues) {
      const label = issue.labels.find((l) => lower.includes(l.name.toLowerCase()));
      if (!label) continue;
      if (await this.alreadyTaken(repo, issue.number, label.id, issue.updatedAt)) continue;
      // The person who added the label is the delegator (and must pass the access check); the
      // issue timeline says who it was.
      const added = await this.deps.gitea.labelAddition(repo.owner, repo.name, issue.number, label.id);
      if (!added) {
        this.deps.logger.info({ issueKey: issueKey(repo.owner, repo.name, issue.number, repo.host) }, 'the issue timeline does not say who added the trigger label; not acted on');
        continue;
      }
      const event: GiteaEvent = {
        kind: 'issue_labels_changed',
        repo,
        issue: { number: issue.number, title: issue.title, body: issue.body, htmlUrl: issue.htmlUrl, labels: issue.labels, isPull: false },
        sender: added.user,
      };
      // The same key a confirmed label delivery gets (EventConfirmer): one addition, one delegation.
      const key = `label:${instancePrefix(repo)}${repo.owner}/${repo.name}#${issue.number}:${label.id}:${added.entryId}`.toLowerCase();
      if (await this.deps.store.hasEvent(key)) continue;
      const r = await this.deps.dispatcher.route(event, { id: `reconcile-${key}`, eventType: 'reconcile:issue_label', eventKey: key });
      if (r.status === 'accepted') admitted++;
    }
    return admitted;
  }

  /**
   * True when kugetsu already took this label on this issue and the label is still there only
   * because its removal has not reached Gitea yet (or was refused): the issue's latest job was
   * started by this label, and the issue has not changed since that job was created.
   */
  private async alreadyTaken(repo: RepoRef, n: number, labelId: number, updatedAt: string | undefined): Promise<boolean> {
    const jobs = await this.deps.store.listByIssue(issueKey(repo.owner, repo.name, n, repo.host));
    const last = jobs.at(-1);
    if (last?.trigger !== 'label' || last.triggerLabelId !== labelId) return false;
    if (await this.deps.store.outboxIsOpen(`unlabel:${instancePrefix(repo)}${repo.owner}/${repo.name}#${n}:${labelId}`)) return true;
    return updatedAt === undefined || Date.parse(updatedAt) <= Date.parse(last.createdAt);
  }

  private async comments(repo: RepoRef): Promise<number> {
    const cursorName = `comments:${instancePrefix(repo)}${repo.owner}/${repo.name}`.toLowerCase();
    const cursor = await this.deps.store.getCursor(cursorName);
    const now = (this.deps.now ?? (() => new Date()))();
    if (cursor === undefined) {
      // Gitea's times have one-second resolution: start at the next whole second, so that nothing
      // from before kugetsu's first sight of the repository is ever taken for new.
      await this.deps.store.setCursor(cursorName, new Date(Math.ceil(now.getTime() / 1000) * 1000).toISOString());
      return 0;
    }
    const comments = await this.deps.gitea.listRepoComments(repo.owner, repo.name, cursor);
    const cursorMs = Date.parse(cursor);
    let admitted = 0;
    let newestMs = cursorMs;
    for (const c of comments) {
      const createdMs = Date.parse(c.createdAt);
      if (createdMs > newestMs) newestMs = createdMs;
      // `since` filters on update time: skip comments created before the cursor (edited old ones);
      // the content key below drops the ones already handled in the cursor's own second.
      if (c.issueNumber === undefined || !(createdMs >= cursorMs)) continue;
      if (c.user.id === this.deps.botUserId() || !parseCommand(c.body, this.deps.settingsFor(repo.owner, repo.name).command)) continue;
      const key = commentEventKey(repo.owner, repo.name, c.id, instancePrefix(repo));
      if (await this.deps.store.hasEvent(key)) continue;
      const issue = await this.deps.gitea.getIssue(repo.owner, repo.name, c.issueNumber);
      const pr = issue.isPull ? await this.deps.gitea.getPullRequest(repo.owner, repo.name, issue.number) : undefined;
      const event: GiteaEvent = {
        kind: 'comment_created',
        repo,
        issue: { number: issue.number, title: issue.title, body: issue.body, htmlUrl: issue.htmlUrl, labels: issue.labels, isPull: issue.isPull },
        comment: { id: c.id, body: c.body, htmlUrl: c.htmlUrl },
        pull: pr ? { headRef: pr.headRef, fromFork: pr.fromFork ?? false } : undefined,
        sender: c.user,
      };
      const r = await this.deps.dispatcher.route(event, { id: `reconcile-${key}`, eventType: 'reconcile:comment', eventKey: key });
      if (r.status === 'accepted') admitted++;
    }
    await this.deps.store.setCursor(cursorName, new Date(newestMs).toISOString());
    return admitted;
  }
}
