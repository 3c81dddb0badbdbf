const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const COLON = 0x3a;
const COMMA = 0x2c;

/** Longest owner or repository name read (Gitea allows 40 and 100 characters). */
const MAX_NAME_BYTES = 256;

const isSpace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/**
 * The body being scanned: its bytes, and the same bytes as a latin1 string (one character per
 * byte, so indices agree) for V8's fast string search; `b.at(i)` is the byte at `i`, NaN past the end.
 */
interface Body {
  bytes: Uint8Array;
  text: string;
  length: number;
}

const at = (b: Body, i: number): number => b.text.charCodeAt(i);

function skipSpace(b: Body, i: number): number {
  while (i < b.length && isSpace(at(b, i))) i++;
  return i;
}

/**
 * Index after the string that starts at `i` (`b[i]` is `"`), or -1 when it never ends. Jumps from
 * quote to quote with `String.prototype.indexOf` (most of a payload's bytes are inside strings); a
 * quote preceded by an odd number of backslashes is escaped and passed over.
 */
function skipString(b: Body, i: number): number {
  for (let from = i + 1; ; ) {
    const q = b.text.indexOf('"', from);
    if (q < 0) return -1;
    let backslashes = 0;
    while (q - backslashes - 1 > i && at(b, q - backslashes - 1) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return q + 1;
    from = q + 1;
  }
}

/**
 * The string at `i` and the index after it. `text` is set only for a short string without escapes
 * (names and the keys looked for never have any; anything else is simply not a match).
 */
function readString(b: Body, i: number): { end: number; text?: string } {
  const end = skipString(b, i);
  if (end < 0) return { end };
  const start = i + 1;
  const length = end - 1 - start;
  if (length > MAX_NAME_BYTES) return { end };
  const latin1 = b.text.slice(start, end - 1);
  if (latin1.includes('\\')) return { end };
  // Bytes below 0x80 are the same in latin1 and UTF-8; others are decoded from the bytes.
  return { end, text: /^[\x00-\x7f]*$/.test(latin1) ? latin1 : Buffer.from(b.bytes.buffer, b.bytes.byteOffset + start, length).toString('utf8') };
}

/** Index after the JSON value that starts at `i`, or -1. Iterative: nesting depth costs no stack. */
function skipValue(b: Body, i: number): number {
  const first = at(b, i);
  if (first === QUOTE) return skipString(b, i);
  if (first === LBRACE || first === LBRACKET) {
    let depth = 0;
    while (i < b.length) {
      const c = at(b, i);
      if (c === QUOTE) {
        i = skipString(b, i);
        if (i < 0) return -1;
        continue;
      }
      if (c === LBRACE || c === LBRACKET) depth++;
      else if (c === RBRACE || c === RBRACKET) {
        depth--;
        if (depth === 0) return i + 1;
      }
      i++;
    }
    return -1;
  }
  const start = i;
  for (let c = at(b, i); i < b.length && c !== COMMA && c !== RBRACE && c !== RBRACKET && !isSpace(c); c = at(b, ++i));
  return i > start ? i : -1;
}

/**
 * Walks the object at `i` (`b[i]` is `{`): for each member, `member(key, valueIndex)` may read the
 * value and return the index after it; `undefined` lets the walker skip it. Returns the index after
 * the object, or -1 when the bytes are not a well-formed object.
 */
function walkObject(b: Body, i: number, member: (key: string | undefined, at: number) => number | undefined): number {
  i = skipSpace(b, i + 1);
  if (at(b, i) === RBRACE) return i + 1;
  for (;;) {
    if (at(b, i) !== QUOTE) return -1;
    const key = readString(b, i);
    if (key.end < 0) return -1;
    i = skipSpace(b, key.end);
    if (at(b, i) !== COLON) return -1;
    i = skipSpace(b, i + 1);
    i = member(key.text, i) ?? skipValue(b, i);
    if (i < 0) return -1;
    i = skipSpace(b, i);
    if (at(b, i) === COMMA) {
      i = skipSpace(b, i + 1);
      continue;
    }
    return at(b, i) === RBRACE ? i + 1 : -1;
  }
}

/**
 * `owner/name` (lowercase) of an unverified delivery body's top-level `repository` — its
 * `owner.login` and `name`, the fields every API call and the issue key use — read without
 * parsing the body: one pass over the bytes that allocates only the two names. Used to pick the
 * repository's own webhook secret before the signature is checked, so that a wrong signature
 * never costs a parse (a deep or huge body is walked, not built). Where a key repeats, the last one
 * counts, as in `JSON.parse`. `undefined` when the body is not a JSON object or has no such names
 * (or spells them with escapes, which Gitea never does). The caller must compare the result with
 * the parsed payload after the signature is verified.
 */
export function scanRepository(bytes: Uint8Array): string | undefined {
  const body: Body = { bytes, text: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1'), length: bytes.byteLength };
  let owner: string | undefined;
  let name: string | undefined;
  const start = skipSpace(body, 0);
  if (at(body, start) !== LBRACE) return undefined;
  const end = walkObject(body, start, (key, valueAt0) => {
    if (key !== 'repository') return undefined;
    owner = name = undefined;
    if (at(body, valueAt0) !== LBRACE) return undefined;
    return walkObject(body, valueAt0, (field, valueAt) => {
      if (field === 'name') {
        const value = at(body, valueAt) === QUOTE ? readString(body, valueAt) : undefined;
        name = value?.text;
        return value?.end;
      }
      if (field === 'owner') {
        owner = undefined;
        if (at(body, valueAt) !== LBRACE) return undefined;
        return walkObject(body, valueAt, (ownerField, loginAt) => {
          if (ownerField !== 'login' || at(body, loginAt) !== QUOTE) return undefined;
          const value = readString(body, loginAt);
          owner = value.text;
          return value.end;
        });
      }
      return undefined;
    });
  });
  if (end < 0 || skipSpace(body, end) !== body.length || !owner || !name) return undefined;
  return `${owner}/${name}`.toLowerCase();
}
