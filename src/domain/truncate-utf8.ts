/** A string cut to a byte budget, and what it was before. */
export interface Utf8Cut {
  /** The longest prefix of the input whose UTF-8 encoding fits the budget (never half a character). */
  text: string;
  /** True when something was cut off. */
  cut: boolean;
  /** UTF-8 length of the whole input, in bytes. */
  bytes: number;
}

/**
 * Cuts `text` to at most `maxBytes` bytes of UTF-8 without splitting a character (a surrogate pair
 * counts as one): `TextEncoder.encodeInto` writes only whole characters and reports how many
 * UTF-16 units it read (WHATWG Encoding Standard). `maxBytes` below 0 counts as 0. Pure.
 */
export function truncateUtf8(text: string, maxBytes: number): Utf8Cut {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes <= maxBytes) return { text, cut: false, bytes };
  const budget = Math.max(0, Math.floor(maxBytes));
  const { read } = new TextEncoder().encodeInto(text, new Uint8Array(budget));
  return { text: text.slice(0, read), cut: true, bytes };
}
