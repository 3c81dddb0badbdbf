import { truncateUtf8 } from '../domain/truncate-utf8.js';
import type { GiteaClient, GiteaComment } from '../gitea/types.js';
import type { Redactor } from '../log/redact.js';
import { STATUS_MARKER_PREFIX } from '../triggers/route-event.js';
import { sanitizeUntrusted } from '../domain/untrusted-text.js';
import type { PromptLimits } from '../config/prompt-limits.js';
import { COMMENT_PAGE_SIZE, readNewestComments } from './read-newest-comments.js';

/** A comment as the prompt quotes it: masked, cleaned, cut to `maxCommentBytes`. */
export interface PromptComment {
  login: string;
  /** RFC 3339, as Gitea wrote it. */
  createdAt: string;
  /** Masked (secrets → `***`), hidden HTML comments and invisible characters removed, cut. */
  text: string;
  /** UTF-8 bytes of the cleaned comment before the cut. */
  bytes: number;
  cut: boolean;
}

/** The part of an issue's thread that may go into a prompt, and what was left out of it. */
export interface PromptThread {
  /** Comments by people who may ask for work, the newest `maxComments` read, oldest first. */
  comments: PromptComment[];
  /**
   * Comments among those read whose authors may not ask kugetsu for work on the repository (below
   * its least role, or denied) — left out of the prompt — by login.
   */
  outsiders: Array<{ login: string; count: number }>;
  /** Comments left out because Gitea could not confirm their author's role, by login. */
  unconfirmed: Array<{ login: string; count: number }>;
  /** True when older comments exist that were not read or not kept (beyond `maxComments`). */
  olderLeftOut: boolean;
  /** False when the read stopped (page budget) before the end of the thread. */
  complete: boolean;
  /** Gitea's count of the comments (kugetsu's own included), when it sent one. */
  total: number | undefined;
  /** True when Gitea could not be read at all: no comment was looked at. */
  unread?: boolean;
}

/** What {@link readPromptThread} needs. */
export interface ReadPromptThreadDeps {
  gitea: Pick<GiteaClient, 'listCommentPage'>;
  redact: Redactor;
  /** The bot's user id, once known: its comments are never quoted. */
  botUserId: number | undefined;
  /**
   * Whether `login` may ask for work on the repository (the access policy and the repository's
   * least role, as for a delegation): `unknown` when Gitea could not say.
   */
  mayDelegate: (user: { id: number; login: string }) => Promise<boolean | 'unknown'>;
}

/**
 * Reads the newest comments of issue `n` for a prompt with a bounded amount of memory and requests
 * (see `readNewestComments`: at most `maxComments` kept, each cleaned and cut to `maxCommentBytes`
 * as its page arrives, and a stop of `ceil(maxComments / 50) + 20` pages), leaving out kugetsu's own
 * comments (by the bot's id, or carrying kugetsu's marker) and then those whose authors may not ask
 * for work: **a comment reaches the agent only when its author could have delegated the work
 * themselves** — anyone able to comment could otherwise steer an agent that runs with the
 * delegator's authority. The prompt names who was left out. Rejects with the client's `GiteaError`.
 */
export async function readPromptThread(
  deps: ReadPromptThreadDeps,
  owner: string,
  repo: string,
  n: number,
  expected: number | undefined,
  limits: Pick<PromptLimits, 'maxComments' | 'maxCommentBytes'>,
): Promise<PromptThread> {
  const ours = (c: GiteaComment) => (deps.botUserId !== undefined && c.user.id === deps.botUserId) || c.body.includes(STATUS_MARKER_PREFIX);
  const read = await readNewestComments(deps.gitea, owner, repo, n, {
    keep: limits.maxComments,
    expected,
    maxPages: Math.ceil(limits.maxComments / COMMENT_PAGE_SIZE) + 20,
    accept: (c) => !ours(c),
    shrink: (c) => {
      const clean = truncateUtf8(deps.redact(sanitizeUntrusted(c.body)), limits.maxCommentBytes);
      return { user: c.user, comment: { login: c.user.login, createdAt: c.createdAt, text: clean.text, bytes: clean.bytes, cut: clean.cut } };
    },
  });
  const verdicts = new Map<string, boolean | 'unknown'>();
  for (const { user } of read.comments) {
    const key = user.login.toLowerCase();
    if (!verdicts.has(key)) verdicts.set(key, await deps.mayDelegate(user));
  }
  const comments: PromptComment[] = [];
  const outsiders = new Map<string, number>();
  const unconfirmed = new Map<string, number>();
  for (const { user, comment } of read.comments) {
    const verdict = verdicts.get(user.login.toLowerCase());
    if (verdict === true) comments.push(comment);
    else {
      const into = verdict === 'unknown' ? unconfirmed : outsiders;
      into.set(user.login, (into.get(user.login) ?? 0) + 1);
    }
  }
  const list = (m: Map<string, number>) => [...m].map(([login, count]) => ({ login, count }));
  return {
    comments,
    outsiders: list(outsiders),
    unconfirmed: list(unconfirmed),
    olderLeftOut: read.older > 0 || read.unreadBefore,
    complete: read.complete,
    total: expected,
  };
}
