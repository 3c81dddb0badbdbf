import { ACTED_ON_EVENT_TYPES, COMMENT_EVENT_TYPES, unhandledTypeReason } from '../events/acted-on-event-types.js';

/**
 * Decides from a verified delivery's event type and raw bytes, before they are parsed, whether it
 * certainly asks nothing of kugetsu; returns the reason to answer (200 `ignored`), or `undefined`
 * when it may act and must go the whole way (parse, route, confirm with Gitea).
 */
export type Prescreen = (eventType: string, raw: Uint8Array) => string | undefined;

/**
 * The door's prescreen: most deliveries are pushes, pull-request updates and ordinary comments,
 * and an ignored delivery should cost no more than checking its signature (issue 16). It ignores
 * - every event type outside `ACTED_ON_EVENT_TYPES` (same reason as `normalizeDelivery`);
 * - a new-comment delivery in whose bytes no command word can appear: none of `commandWords()`
 *   (every repository's, e.g. `["/kugetsu"]`) occurs followed by what may end it (whitespace, an
 *   escape, the end of the string), compared ASCII case-insensitively as `parseCommand` does, and
 *   no JSON escape (`\/`, or `\uXXXX` of a character of a command word in either case) could
 *   spell one. The payload's strings are all in these bytes, so a command line in the comment
 *   would show as one of the two; everything else (issue text that mentions the word, an escape
 *   Gitea never writes) goes the whole way.
 * Label changes and reviews always go the whole way (a label change without the trigger label
 * still cancels a waiting label job). Command words must be ASCII (`/[A-Za-z][\w-]*`, as config
 * and the repository files check); with a non-ASCII one, comments are never prescreened.
 * Never throws; allocates one Latin-1 string of the body for a comment.
 */
export function createPrescreen(commandWords: () => readonly string[]): Prescreen {
  let words: readonly string[] | undefined;
  let search: { word: RegExp; escape: RegExp } | undefined;
  const searchFor = (current: readonly string[]) => {
    if (current !== words) {
      words = current;
      search = buildSearch(current);
    }
    return search;
  };
  return (eventType, raw) => {
    if (!ACTED_ON_EVENT_TYPES.has(eventType)) return unhandledTypeReason(eventType);
    if (!COMMENT_EVENT_TYPES.has(eventType)) return undefined;
    const current = commandWords();
    const s = searchFor(current);
    if (!s) return undefined;
    // Latin-1 maps each byte to one character: ASCII stays itself, and no other byte becomes a
    // character that matches an ASCII letter case-insensitively (ECMAScript Canonicalize, non-Unicode mode).
    const text = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('latin1');
    if (s.word.test(text) || s.escape.test(text)) return undefined;
    return `comment has no line starting with ${current.join(' or ')}`;
  };
}

/** The two searches for `words`, or `undefined` when they cannot be searched in bytes (none, or non-ASCII). */
function buildSearch(words: readonly string[]): { word: RegExp; escape: RegExp } | undefined {
  if (words.length === 0 || words.some((w) => w === '' || !/^[\x21-\x7e]+$/.test(w))) return undefined;
  const quote = (s: string) => s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
  // `\u00XX` of each character of a word, in either case, with hex digits in either case: spelled
  // out rather than with the `i` flag, which makes this search several times slower on bodies full
  // of `\n` escapes.
  const hex = (d: string) => (/[a-f]/.test(d) ? `[${d}${d.toUpperCase()}]` : d);
  const codes = new Set<string>();
  for (const ch of words.join('')) {
    for (const c of [ch.toLowerCase(), ch.toUpperCase()]) codes.add([...c.charCodeAt(0).toString(16).padStart(2, '0')].map(hex).join(''));
  }
  return {
    // `parseCommand` wants whitespace or the end of the line after the word. In the JSON text that
    // is a space, an escape (`\n`, `\t`, `\u…`), the closing quote, or a non-ASCII byte (Unicode
    // whitespace): a path such as `/kugetsu/app/issues/1` or `/kugetsu-bot` is not a command.
    word: new RegExp(`(?:${words.map(quote).join('|')})(?=[ "\\\\\\x80-\\xff]|$)`, 'i'),
    escape: new RegExp(`\\\\(?:\\/|u00(?:${[...codes].join('|')}))`),
  };
}
