/**
 * Gitea's mention pattern, v1.25 `modules/references/references.go` `mentionPattern`, with Go
 * RE2's ASCII `\s` (`[\t\n\f\r ]`) and `\w` spelled out.
 */
const MENTION = /(?:[\t\n\f\r ]|^|\(|\[)(@[-\w][-.\w]*?|@[-\w][-.\w]*?\/[-\w][-.\w]*?)(?:[\t\n\f\r ]|$|[:,;.?!](?:[\t\n\f\r ]|$)|'|\)|\])/;

/**
 * The logins Gitea would mention (link and notify) in a comment body, as
 * `FindAllMentionsMarkdown` finds them: markdown syntax is stripped first (approximated here by
 * turning `* _ ~ \` > # |` into spaces, so `**@x**` and `> @x` count — and, conservatively, mentions
 * in code too), then {@link MENTION} is applied from each mention's end onwards
 * (`FindAllMentionsBytes`). Names without the `@`, in order, repeats included.
 */
export function liveMentions(markdown: string): string[] {
  const text = markdown.replace(/[*_~`>#|]/g, ' ');
  const found: string[] = [];
  let pos = 0;
  for (;;) {
    const m = MENTION.exec(text.slice(pos));
    if (!m) return found;
    const start = pos + m.index + m[0].indexOf(m[1]!);
    found.push(m[1]!.slice(1));
    pos = start + m[1]!.length;
  }
}
