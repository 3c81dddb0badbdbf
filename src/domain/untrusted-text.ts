/**
 * ANSI / ECMA-48 escape sequences (ECMA-48 5th ed., §5.3–5.6): CSI (`ESC [` or the 8-bit U+009B,
 * parameter and intermediate bytes, one final byte), string controls OSC / DCS / SOS / PM / APC
 * (`ESC ]`, `ESC P`, `ESC X`, `ESC ^`, `ESC _` or U+0090/U+0098/U+009D–U+009F) up to their
 * terminator (ST = `ESC \` or U+009C, or BEL for OSC) or the end of the text, and any other
 * `ESC` + one byte. A terminal shows none of them as text; some rewrite what it shows.
 */
const ANSI_ESCAPE =
  /(?:\u001B\[|\u009B)[\u0030-\u003F]*[\u0020-\u002F]*[\u0040-\u007E]?|(?:\u001B[\]PX^_]|[\u0090\u0098\u009D-\u009F])[\s\S]*?(?:\u001B\\|\u009C|\u0007|$)|\u001B[\u0020-\u007E]?/g;

/**
 * `text` without hidden HTML comments (`<!-- … -->`, also one left open to the end: Gitea renders
 * neither), in one pass from left to right: a comment opener that only appears once an inner
 * comment is gone (`<!<!-- a -->-- b -->`) is a comment too, so the result never contains `<!--`.
 */
function stripHtmlComments(text: string): string {
  if (!text.includes('<!') && !text.includes('--')) return text;
  const out: string[] = [];
  const n = () => out.length;
  let i = 0;
  while (i < text.length) {
    out.push(text[i++]!);
    if (n() < 4 || out[n() - 1] !== '-' || out[n() - 2] !== '-' || out[n() - 3] !== '!' || out[n() - 4] !== '<') continue;
    out.length -= 4;
    const end = text.indexOf('-->', i);
    i = end < 0 ? text.length : end + 3;
  }
  return out.join('');
}

/**
 * Control characters other than tab and line feed (C0 U+0000–U+001F incl. NUL, DEL U+007F, C1
 * U+0080–U+009F), and invisible or bidirectional formatting characters: U+061C (Arabic letter
 * mark), U+180E, U+200B–U+200F (zero-width, LRM/RLM), U+202A–U+202E (bidi embeddings and
 * overrides), U+2060–U+2064 (word joiner, invisible operators), U+2066–U+2069 (bidi isolates),
 * U+FEFF (BOM / zero-width no-break space), U+FFF9–U+FFFB (interlinear annotation).
 */
const INVISIBLE = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u061C\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF\uFFF9-\uFFFB]/g;

/**
 * The one cleaning of untrusted text (issue titles, bodies, comments, the delegator's message)
 * before it reaches an agent by any channel — the prompt file, the message file, `KUGETSU_MESSAGE`,
 * the repository instructions' `{message}`: what a person reading the issue in Gitea does not see
 * must not reach an agent either. Removes hidden HTML comments (`<!-- … -->`, also one left open),
 * ANSI escape sequences, NUL and every other control character except tab and line feed (CR LF
 * and a lone CR become LF), and invisible or bidirectional formatting characters (see
 * {@link INVISIBLE}); then trims. `@mentions` and other visible text stay as written. Pure and
 * idempotent (`sanitizeUntrusted(sanitizeUntrusted(t)) === sanitizeUntrusted(t)`), so a channel
 * may apply it again to text that is already clean.
 */
export function sanitizeUntrusted(text: string): string {
  // Escapes and invisible characters first, so none can hide a comment's `<!--` or `-->`.
  const visible = text.replace(/\r\n?/g, '\n').replace(ANSI_ESCAPE, '').replace(INVISIBLE, '');
  return stripHtmlComments(visible).trim();
}
