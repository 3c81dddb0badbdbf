import type { GiteaClient, GiteaComment } from '../gitea/types.js';

/** Page size of timeline reads: Gitea's default `[api] MAX_RESPONSE_ITEMS` (50), its largest page. */
export const COMMENT_PAGE_SIZE = 50;

/** Options of {@link readNewestComments}. */
export interface ReadNewestOptions<T> {
  /** How many comments to keep (the newest that `accept` takes); 0 reads nothing. */
  keep: number;
  /**
   * Gitea's count of the comments (`GiteaIssue.comments`), used as a hint of where the newest
   * ones are, so the read can start near the end instead of at page 1. A wrong hint costs requests,
   * never comments; `undefined` reads from page 1.
   */
  expected: number | undefined;
  /** The stop: at most this many pages (of {@link COMMENT_PAGE_SIZE} entries) are read. */
  maxPages: number;
  /** Which comments count (e.g. not the bot's own); others are skipped and do not take a place. */
  accept: (comment: GiteaComment) => boolean;
  /**
   * Turns a kept comment into what the caller holds on to — called as each page arrives, so a
   * caller that cuts the body here holds at most `keep` cut comments plus one page, whatever the
   * thread's length.
   */
  shrink: (comment: GiteaComment) => T;
}

/** What {@link readNewestComments} found. */
export interface NewestComments<T> {
  /** The newest accepted comments, oldest first, at most `keep`. */
  comments: T[];
  /** Accepted comments that were read but are older than the kept ones. */
  older: number;
  /** True when pages before the first one read were not looked at (they hold older comments). */
  unreadBefore: boolean;
  /** False when the stop (`maxPages`) ended the read before it reached the end of the timeline. */
  complete: boolean;
  /** Pages requested. */
  pages: number;
}

/**
 * Reads the newest `keep` comments of issue `n` page by page with a stop, holding only those
 * (shrunk) and one page at a time — the bounded way to read a thread of any length (Gitea's
 * `issueGetComments` returns a whole thread in one response; the timeline, `listCommentPage`, is
 * paginated, oldest first).
 *
 * 1. Start at the page where the newest `keep` of `expected` comments begin (the timeline holds at
 *    least one row per counted comment, so no newer comment lies before it), and read forward until
 *    an empty page past every counted comment (Gitea may return short or empty pages earlier: it
 *    filters rows after paginating).
 * 2. If fewer than `keep` were found (the hint was high, or many were not accepted), read backwards
 *    from the start page until `keep` are found or page 1 was read.
 *
 * At most `maxPages` requests in all. Rejects with the client's `GiteaError`.
 */
export async function readNewestComments<T>(
  gitea: Pick<GiteaClient, 'listCommentPage'>,
  owner: string,
  repo: string,
  n: number,
  options: ReadNewestOptions<T>,
): Promise<NewestComments<T>> {
  const { keep, maxPages } = options;
  const limit = COMMENT_PAGE_SIZE;
  if (keep <= 0 || maxPages <= 0) return { comments: [], older: 0, unreadBefore: true, complete: keep <= 0, pages: 0 };
  const expected = Math.max(0, options.expected ?? 0);
  const startPage = Math.floor(Math.max(0, expected - keep) / limit) + 1;
  const lastCountedPage = Math.ceil(expected / limit);
  let pages = 0;
  let older = 0;
  let kept: T[] = [];

  // 1. Forward from the start page to the end.
  let complete = false;
  for (let page = startPage; pages < maxPages; page++) {
    const got = await gitea.listCommentPage(owner, repo, n, page, limit);
    pages++;
    for (const c of got.comments) if (options.accept(c)) kept.push(options.shrink(c));
    if (kept.length > keep) {
      older += kept.length - keep;
      kept = kept.slice(kept.length - keep);
    }
    if (got.entries === 0 && page > lastCountedPage) {
      complete = true;
      break;
    }
  }

  // 2. Backwards from the start page while places are free.
  let first = startPage;
  while (kept.length < keep && first > 1 && pages < maxPages) {
    first--;
    const got = await gitea.listCommentPage(owner, repo, n, first, limit);
    pages++;
    const accepted = got.comments.filter(options.accept);
    const room = keep - kept.length;
    const taken = accepted.slice(Math.max(0, accepted.length - room));
    older += accepted.length - taken.length;
    kept = [...taken.map(options.shrink), ...kept];
  }
  return { comments: kept, older, unreadBefore: first > 1, complete, pages };
}
