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

const isSpace = (c: number | undefined) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

function skipSpace(b: Uint8Array, i: number): number {
  while (i < b.length && isSpace(b[i])) i++;
  return i;
}

/** Index after the string that starts at `i` (`b[i]` is `"`), or -1 when it never ends. */
function skipString(b: Uint8Array, i: number): number {
  for (i++; i < b.length; i++) {
    const c = b[i];
    if (c === BACKSLASH) i++;
    else if (c === QUOTE) return i + 1;
  }
  return -1;
}

/**
 * The string at `i` and the index after it. `text` is set only for a short string without escapes
 * (names and the keys looked for never have any; anything else is simply not a match).
 */
function readString(b: Uint8Array, i: number): { end: number; text?: string } {
  const end = skipString(b, i);
  if (end < 0) return { end };
  const start = i + 1;
  const length = end - 1 - start;
  if (length > MAX_NAME_BYTES || b.subarray(start, end - 1).includes(BACKSLASH)) return { end };
  return { end, text: Buffer.from(b.buffer, b.byteOffset + start, length).toString('utf8') };
}

/** Index after the JSON value that starts at `i`, or -1. Iterative: nesting depth costs no stack. */
function skipValue(b: Uint8Array, i: number): number {
  const first = b[i];
  if (first === QUOTE) return skipString(b, i);
  if (first === LBRACE || first === LBRACKET) {
    let depth = 0;
    while (i < b.length) {
      const c = b[i];
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
  while (i < b.length && b[i] !== COMMA && b[i] !== RBRACE && b[i] !== RBRACKET && !isSpace(b[i])) i++;
  return i > start ? i : -1;
}

/**
 * Walks the object at `i` (`b[i]` is `{`): for each member, `member(key, valueIndex)` may read the
 * value and return the index after it; `undefined` lets the walker skip it. Returns the index after
 * the object, or -1 when the bytes are not a well-formed object.
 */
function walkObject(b: Uint8Array, i: number, member: (key: string | undefined, at: number) => number | undefined): number {
  i = skipSpace(b, i + 1);
  if (b[i] === RBRACE) return i + 1;
  for (;;) {
    if (b[i] !== QUOTE) return -1;
    const key = readString(b, i);
    if (key.end < 0) return -1;
    i = skipSpace(b, key.end);
    if (b[i] !== COLON) return -1;
    i = skipSpace(b, i + 1);
    i = member(key.text, i) ?? skipValue(b, i);
    if (i < 0) return -1;
    i = skipSpace(b, i);
    if (b[i] === COMMA) {
      i = skipSpace(b, i + 1);
      continue;
    }
    return b[i] === RBRACE ? i + 1 : -1;
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
export function scanRepository(body: Uint8Array): string | undefined {
  let owner: string | undefined;
  let name: string | undefined;
  const start = skipSpace(body, 0);
  if (body[start] !== LBRACE) return undefined;
  const end = walkObject(body, start, (key, at) => {
    if (key !== 'repository') return undefined;
    owner = name = undefined;
    if (body[at] !== LBRACE) return undefined;
    return walkObject(body, at, (field, valueAt) => {
      if (field === 'name') {
        const value = body[valueAt] === QUOTE ? readString(body, valueAt) : undefined;
        name = value?.text;
        return value?.end;
      }
      if (field === 'owner') {
        owner = undefined;
        if (body[valueAt] !== LBRACE) return undefined;
        return walkObject(body, valueAt, (ownerField, loginAt) => {
          if (ownerField !== 'login' || body[loginAt] !== QUOTE) return undefined;
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
