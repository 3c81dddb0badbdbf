/** U+200B ZERO WIDTH SPACE: after an `@` it keeps the text readable and stops it being a mention. */
export const MENTION_BREAK = '\u200B';

/**
 * Makes every `@name` (and `@org/team`) in `text` inert for Gitea — no link, no notification — by
 * putting a zero-width space after the `@`, as well-known bots do with quoted text (renovate's
 * `sanitizeMarkdown`, lib/util/markdown.ts, inserts `&#8203;` there; a raw U+200B also works inside
 * code blocks, where an entity would show). Gitea finds mentions with
 * `(?:\s|^|\(|\[)(@[-\w][-.\w]*?…)` after stripping markdown (v1.25 `modules/references/references.go`
 * `mentionPattern`, `FindAllMentionsMarkdown`), so `@` followed by U+200B never matches. Every `@`
 * followed by a name character is treated unless an ASCII letter or digit precedes it (an e-mail
 * address such as `dev@example.com` is not a mention and stays as it is).
 *
 * `keep`: logins (case-insensitive) whose mentions stay live — kugetsu's deliberate mention of the
 * person it answers. Idempotent; pure.
 */
export function neutralizeMentions(text: string, keep: readonly string[] = []): string {
  const live = new Set(keep.map((login) => login.toLowerCase()));
  return text.replace(/(?<![A-Za-z0-9])@([-\w][-.\w]*)/g, (whole, name: string) => (live.has(name.replace(/\.+$/, '').toLowerCase()) ? whole : `@${MENTION_BREAK}${name}`));
}
