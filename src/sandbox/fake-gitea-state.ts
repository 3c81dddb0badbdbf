import { createHash } from 'node:crypto';
import { FakeOAuth } from './fake-gitea-oauth-state.js';

/** Access modes, weakest first (Gitea v1.25 `models/perm/access_mode.go`). */
export const FAKE_PERMISSIONS = ['none', 'read', 'write', 'admin', 'owner'] as const;
/** A user's access mode on a repository. */
export type FakePermission = (typeof FAKE_PERMISSIONS)[number];

/** A Gitea account. `token` authenticates API calls as this user. */
export interface FakeUser {
  id: number;
  login: string;
  /** Site admin: may read anyone's permission, has admin access to every repo. */
  isAdmin: boolean;
  token?: string;
}

/** A repository label. Ids are unique across the whole fake, like Gitea's. */
export interface FakeLabel {
  id: number;
  repoId: number;
  name: string;
  /** Six lowercase hex digits, no `#` (as Gitea returns it). */
  color: string;
  description: string;
}

/** The pull-request part of an issue that is a PR. */
export interface FakePull {
  headRef: string;
  headSha: string;
  baseRef: string;
  merged: boolean;
  /** Set when the head branch lives in a fork: the id of that (imaginary) repository. */
  headRepoId?: number;
  /** Submitted reviews, oldest first. */
  reviews: FakeReview[];
}

/** A submitted pull request review (swagger `PullReview`; `state` is a `ReviewStateType`). */
export interface FakeReview {
  id: number;
  authorId: number;
  state: 'APPROVED' | 'COMMENT' | 'REQUEST_CHANGES';
  body: string;
  dismissed: boolean;
  submittedAt: Date;
}

/** An issue or PR; both share one number sequence per repository, like in Gitea. */
export interface FakeIssue {
  /** Global id (not the number). */
  id: number;
  repoId: number;
  number: number;
  title: string;
  body: string;
  state: 'open' | 'closed';
  labelIds: number[];
  authorId: number;
  pull?: FakePull;
  createdAt: Date;
  updatedAt: Date;
  /** Who added or removed which label when: the issue timeline's `label` entries. */
  labelEvents: FakeLabelEvent[];
}

/** A label added to or removed from an issue (Gitea's `CommentTypeLabel`: body "1" = added). */
export interface FakeLabelEvent {
  id: number;
  labelId: number;
  actorId: number;
  added: boolean;
  at: Date;
}

/** A reaction on a comment. */
export interface FakeReaction {
  userId: number;
  content: string;
  createdAt: Date;
}

/** A comment on an issue or PR. Ids are global. */
export interface FakeComment {
  id: number;
  repoId: number;
  issueNumber: number;
  body: string;
  authorId: number;
  createdAt: Date;
  updatedAt: Date;
  reactions: FakeReaction[];
}

/** A commit status (`POST …/statuses/{sha}`). */
export interface FakeCommitStatus {
  id: number;
  sha: string;
  state: string;
  targetUrl: string;
  description: string;
  context: string;
  creatorId: number;
  createdAt: Date;
}

/** A repository webhook, as stored (the secret is kept, never returned by the API). */
export interface FakeHook {
  id: number;
  type: string;
  url: string;
  contentType: string;
  secret: string;
  /** Enabled events, expanded as Gitea lists them. */
  events: string[];
  active: boolean;
  branchFilter: string;
  authorizationHeader: string;
  createdAt: Date;
  updatedAt: Date;
}

/** A repository and everything in it. */
export interface FakeRepo {
  id: number;
  owner: string;
  name: string;
  defaultBranch: string;
  /** What the API reports as `clone_url`; tests point it at a local bare repository. */
  cloneUrl?: string;
  private: boolean;
  labels: FakeLabel[];
  issues: Map<number, FakeIssue>;
  nextNumber: number;
  /** Explicit collaborator permissions, keyed by lowercase login. */
  permissions: Map<string, FakePermission>;
  statuses: FakeCommitStatus[];
  hooks: FakeHook[];
  /** Known branch heads (name → sha), used when a PR is created through the API. */
  branches: Map<string, string>;
}

/** Options of the fake's state. */
export interface FakeGiteaStateOptions {
  /** Root URL used in `html_url`/`url` fields; the HTTP server sets it once listening. Default `http://gitea.test`. */
  baseUrl?: string;
  /** The bot's login. Default `kugetsu-bot`. */
  botLogin?: string;
  /** The bot's API token. Default `kugetsu-test-token`. */
  token?: string;
  /** Clock for `created_at`/`updated_at`. Default the real time. */
  now?: () => Date;
  /** Gitea's `[service] REQUIRE_SIGNIN_VIEW`: when false (Gitea's default) public repos can be read without a token. */
  requireSignIn?: boolean;
  /** The first id the fake hands out (default 1); a high one leaves low ids free for entities seeded with their own. */
  firstId?: number;
  /**
   * `forgejo`: answer as Forgejo does where it differs from Gitea (docs/forgejo-contract.md):
   * `GET /version` gives a Forgejo version, hooks of type `forgejo` are accepted. Default `gitea`.
   */
  flavour?: 'gitea' | 'forgejo';
}

type RepoName = string;

/**
 * In-memory state of the fake Gitea, with its seeding and reading API. Repositories are named
 * `owner/name` (looked up case-insensitively, like Gitea). Users are created on first mention.
 * Methods throw a plain `Error` when a seeded thing does not exist (a test bug, not a Gitea answer).
 */
export class FakeGiteaState {
  baseUrl: string;
  readonly token: string;
  readonly bot: FakeUser;
  readonly requireSignIn: boolean;
  readonly now: () => Date;
  readonly users = new Map<string, FakeUser>();
  readonly repos = new Map<string, FakeRepo>();
  readonly comments = new Map<number, FakeComment>();
  /** The OAuth2 provider: applications, codes, access tokens (`fake.oauth.addApp`, `signInAs`). */
  readonly oauth: FakeOAuth = new FakeOAuth();
  private nextId = 1;
  /** Gitea, or Forgejo's differences (see {@link FakeGiteaStateOptions.flavour}). */
  readonly flavour: 'gitea' | 'forgejo';

  constructor(options: FakeGiteaStateOptions = {}) {
    this.baseUrl = (options.baseUrl ?? 'http://gitea.test').replace(/\/+$/, '');
    this.token = options.token ?? 'kugetsu-test-token';
    this.now = options.now ?? (() => new Date());
    this.requireSignIn = options.requireSignIn ?? false;
    this.flavour = options.flavour ?? 'gitea';
    this.nextId = options.firstId ?? 1;
    this.bot = this.addUser({ login: options.botLogin ?? 'kugetsu-bot', token: this.token });
  }

  /** A fresh id, unique across every kind of entity of this fake. */
  newId(): number {
    return this.nextId++;
  }

  /** Adds a user (or returns the existing one with that login, updated); `id` seeds a given id. */
  addUser(user: { login: string; isAdmin?: boolean; token?: string; id?: number }): FakeUser {
    const existing = this.users.get(user.login.toLowerCase());
    if (existing) {
      if (user.isAdmin !== undefined) existing.isAdmin = user.isAdmin;
      if (user.token !== undefined) existing.token = user.token;
      return existing;
    }
    const created: FakeUser = { id: user.id ?? this.newId(), login: user.login, isAdmin: user.isAdmin ?? false };
    if (user.token !== undefined) created.token = user.token;
    this.users.set(user.login.toLowerCase(), created);
    return created;
  }

  /** The user with that login (case-insensitive), created when unknown. */
  user(login: string): FakeUser {
    return this.users.get(login.toLowerCase()) ?? this.addUser({ login });
  }

  /** The user with that id, if any. */
  userById(id: number): FakeUser | undefined {
    for (const user of this.users.values()) if (user.id === id) return user;
    return undefined;
  }

  /**
   * Adds a repository owned by `owner` (created as a user). The bot gets `botPermission`
   * (default `admin`; `owner` when the bot owns the repo).
   */
  addRepo(repo: { owner: string; name: string; defaultBranch?: string; cloneUrl?: string; private?: boolean; botPermission?: FakePermission }): FakeRepo {
    this.user(repo.owner);
    const created: FakeRepo = {
      id: this.newId(),
      owner: repo.owner,
      name: repo.name,
      defaultBranch: repo.defaultBranch ?? 'main',
      private: repo.private ?? false,
      labels: [],
      issues: new Map(),
      nextNumber: 1,
      permissions: new Map(),
      statuses: [],
      hooks: [],
      branches: new Map(),
    };
    if (repo.cloneUrl !== undefined) created.cloneUrl = repo.cloneUrl;
    this.repos.set(`${repo.owner}/${repo.name}`.toLowerCase(), created);
    if (repo.owner.toLowerCase() !== this.bot.login.toLowerCase()) {
      created.permissions.set(this.bot.login.toLowerCase(), repo.botPermission ?? 'admin');
    }
    return created;
  }

  /** Looks a repository up by owner and name (case-insensitive). */
  findRepo(owner: string, name: string): FakeRepo | undefined {
    return this.repos.get(`${owner}/${name}`.toLowerCase());
  }

  /** The repository `owner/name`; throws when it was never added. */
  repo(fullName: RepoName): FakeRepo {
    const [owner, name] = splitName(fullName);
    const repo = this.findRepo(owner, name);
    if (!repo) throw new Error(`fake Gitea: no repository ${fullName}`);
    return repo;
  }

  /** Sets a user's explicit permission on a repository (the user is created if needed). */
  setPermission(fullName: RepoName, login: string, permission: FakePermission): void {
    this.user(login);
    this.repo(fullName).permissions.set(login.toLowerCase(), permission);
  }

  /**
   * A user's access mode on a repository, as Gitea computes it: the owner → `owner`, a site admin
   * → `admin`, an explicit collaborator permission, else `read` on a public repo and `none` on a
   * private one. `null` (anonymous) → `read` on public repos.
   */
  permissionOf(repo: FakeRepo, user: FakeUser | null): FakePermission {
    if (!user) return repo.private ? 'none' : 'read';
    if (user.login.toLowerCase() === repo.owner.toLowerCase()) return 'owner';
    const explicit = repo.permissions.get(user.login.toLowerCase());
    if (user.isAdmin) return explicit === 'owner' ? 'owner' : 'admin';
    if (explicit) return explicit === 'none' && !repo.private ? 'read' : explicit;
    return repo.private ? 'none' : 'read';
  }

  /** Records a branch head, used for `head.sha` of PRs created through the API. */
  setBranch(fullName: RepoName, branch: string, sha: string): void {
    this.repo(fullName).branches.set(branch, sha);
  }

  /** Adds a repository label. `color` is six hex digits, default `ededed`; `id` seeds a given id. */
  addLabel(fullName: RepoName, name: string, options: { color?: string; description?: string; id?: number } = {}): FakeLabel {
    const repo = this.repo(fullName);
    const label: FakeLabel = {
      id: options.id ?? this.newId(),
      repoId: repo.id,
      name,
      color: (options.color ?? 'ededed').replace(/^#/, '').toLowerCase(),
      description: options.description ?? '',
    };
    repo.labels.push(label);
    return label;
  }

  /**
   * Adds an issue; `labels` are names of labels (created when missing). Author defaults to the repo
   * owner; `number` seeds a given number (later issues continue after the highest).
   */
  addIssue(
    fullName: RepoName,
    issue: { title: string; body?: string; author?: string; labels?: string[]; labeledBy?: string; state?: 'open' | 'closed'; number?: number },
  ): FakeIssue {
    const repo = this.repo(fullName);
    const now = this.now();
    const number = issue.number ?? repo.nextNumber;
    if (repo.issues.has(number)) throw new Error(`fake Gitea: ${fullName}#${number} exists already`);
    repo.nextNumber = Math.max(repo.nextNumber, number + 1);
    const created: FakeIssue = {
      id: this.newId(),
      repoId: repo.id,
      number,
      title: issue.title,
      body: issue.body ?? '',
      state: issue.state ?? 'open',
      labelIds: (issue.labels ?? []).map((name) => (repo.labels.find((l) => l.name === name) ?? this.addLabel(fullName, name)).id),
      authorId: this.user(issue.author ?? repo.owner).id,
      createdAt: now,
      updatedAt: now,
      labelEvents: [],
    };
    const labeler = this.user(issue.labeledBy ?? issue.author ?? repo.owner).id;
    for (const labelId of created.labelIds) created.labelEvents.push({ id: this.newId(), labelId, actorId: labeler, added: true, at: now });
    repo.issues.set(created.number, created);
    return created;
  }

  /** Adds a pull request (an issue with head/base). `headSha` defaults to a made-up sha, `baseRef` to the default branch. */
  addPullRequest(
    fullName: RepoName,
    pr: { title: string; body?: string; author?: string; headRef: string; headSha?: string; baseRef?: string; labels?: string[]; fromFork?: boolean; number?: number },
  ): FakeIssue {
    const repo = this.repo(fullName);
    const issue = this.addIssue(fullName, pr);
    issue.pull = {
      headRef: pr.headRef,
      headSha: pr.headSha ?? repo.branches.get(pr.headRef) ?? fakeSha(`${repo.id}/${pr.headRef}/${issue.number}`),
      baseRef: pr.baseRef ?? repo.defaultBranch,
      merged: false,
      reviews: [],
      ...(pr.fromFork ? { headRepoId: this.newId() } : {}),
    };
    return issue;
  }

  /** Submits a review on pull request `n` as `author` (default state `REQUEST_CHANGES`). */
  addReview(fullName: RepoName, n: number, review: { author: string; body: string; state?: FakeReview['state'] }): FakeReview {
    const pull = this.issue(fullName, n).pull;
    if (!pull) throw new Error(`fake Gitea: ${fullName}#${n} is not a pull request`);
    const created: FakeReview = {
      id: this.newId(),
      authorId: this.user(review.author).id,
      state: review.state ?? 'REQUEST_CHANGES',
      body: review.body,
      dismissed: false,
      submittedAt: this.now(),
    };
    pull.reviews.push(created);
    return created;
  }

  /** The issue or PR number `n`; throws when missing. */
  issue(fullName: RepoName, n: number): FakeIssue {
    const issue = this.repo(fullName).issues.get(n);
    if (!issue) throw new Error(`fake Gitea: no issue ${fullName}#${n}`);
    return issue;
  }

  /** Names of the labels on issue `n`, in the order they were added. */
  issueLabelNames(fullName: RepoName, n: number): string[] {
    const repo = this.repo(fullName);
    return this.issue(fullName, n).labelIds.map((id) => repo.labels.find((l) => l.id === id)?.name ?? `#${id}`);
  }

  /** Adds (or, with `added: false`, removes) a label on issue `n` as `actor`, recording it in the timeline. */
  labelIssue(fullName: RepoName, n: number, labelName: string, actor: string, added = true): void {
    const repo = this.repo(fullName);
    const issue = this.issue(fullName, n);
    const label = repo.labels.find((l) => l.name === labelName) ?? this.addLabel(fullName, labelName);
    issue.labelIds = added ? [...new Set([...issue.labelIds, label.id])] : issue.labelIds.filter((id) => id !== label.id);
    issue.updatedAt = this.now();
    issue.labelEvents.push({ id: this.newId(), labelId: label.id, actorId: this.user(actor).id, added, at: issue.updatedAt });
  }

  /** Adds a comment on issue `n`. Author defaults to the repo owner, `createdAt` to now; `id` seeds a given id. */
  addComment(fullName: RepoName, n: number, comment: { body: string; author?: string; createdAt?: Date | string; id?: number }): FakeComment {
    const repo = this.repo(fullName);
    const issue = this.issue(fullName, n);
    const at = comment.createdAt !== undefined ? new Date(comment.createdAt) : this.now();
    if (comment.id !== undefined && this.comments.has(comment.id)) throw new Error(`fake Gitea: comment ${comment.id} exists already`);
    const created: FakeComment = {
      id: comment.id ?? this.newId(),
      repoId: repo.id,
      issueNumber: issue.number,
      body: comment.body,
      authorId: this.user(comment.author ?? repo.owner).id,
      createdAt: at,
      updatedAt: at,
      reactions: [],
    };
    this.comments.set(created.id, created);
    return created;
  }

  /** Comments on issue `n`, oldest first. */
  commentsOn(fullName: RepoName, n: number): FakeComment[] {
    const repo = this.repo(fullName);
    return [...this.comments.values()].filter((c) => c.repoId === repo.id && c.issueNumber === n).sort((a, b) => a.id - b.id);
  }

  /** Commit statuses of a repository, oldest first, optionally for one sha. */
  statusesOf(fullName: RepoName, sha?: string): FakeCommitStatus[] {
    return this.repo(fullName).statuses.filter((s) => sha === undefined || s.sha === sha);
  }

  /** Web URL of a repository. */
  repoHtmlUrl(repo: FakeRepo): string {
    return `${this.baseUrl}/${encodeURIComponent(repo.owner)}/${encodeURIComponent(repo.name)}`;
  }

  /** API URL of a repository. */
  repoApiUrl(repo: FakeRepo): string {
    return `${this.baseUrl}/api/v1/repos/${encodeURIComponent(repo.owner)}/${encodeURIComponent(repo.name)}`;
  }
}

/** Splits `owner/name` at the first slash. */
function splitName(fullName: string): [string, string] {
  const slash = fullName.indexOf('/');
  if (slash <= 0) throw new Error(`fake Gitea: repository must be "owner/name", got ${JSON.stringify(fullName)}`);
  return [fullName.slice(0, slash), fullName.slice(slash + 1)];
}

/** A deterministic 40-hex "commit sha" for made-up heads. */
export function fakeSha(seed: string): string {
  return createHash('sha1').update(seed).digest('hex');
}
