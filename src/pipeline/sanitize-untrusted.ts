/**
 * Removes hidden HTML comments (`<!-- … -->`, also one left open to the end) and invisible or
 * bidirectional control characters (U+200B–U+200F, U+202A–U+202E, U+2060–U+2064, U+2066–U+2069,
 * U+FEFF) from untrusted text, and trims it: what a person reading the issue in Gitea does not see
 * must not reach an agent either. Pure.
 */
export function sanitizeUntrusted(text: string): string {
  return text
    .replace(/<!--[\s\S]*?(-->|$)/g, '')
    .replace(/[\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]/g, '')
    .trim();
}
