/** Replaces every occurrence of a secret in text; safe to call on any string. */
export type Redactor = (text: string) => string;

/**
 * Builds a redactor that masks each secret (and its base64 form, as it appears in HTTP Basic
 * headers) with `***`. Secrets shorter than 4 characters are ignored: masking them would garble
 * ordinary text and they are not secrets worth the name.
 */
export function createRedactor(secrets: Array<string | undefined>): Redactor {
  const needles = new Set<string>();
  for (const s of secrets) {
    if (!s || s.length < 4) continue;
    needles.add(s);
    needles.add(Buffer.from(s).toString('base64').replace(/=+$/, ''));
    // The git Basic-auth header kugetsu builds for HTTPS (`kugetsu:<token>`, src/workspace/http-auth-config.ts).
    needles.add(Buffer.from(`kugetsu:${s}`).toString('base64').replace(/=+$/, ''));
  }
  const sorted = [...needles].filter((n) => n.length >= 4).sort((a, b) => b.length - a.length);
  if (sorted.length === 0) return (text) => text;
  return (text) => {
    let out = text;
    // Every log line passes here: look before building a new string (most hold no secret).
    for (const n of sorted) if (out.includes(n)) out = out.replaceAll(n, '***');
    return out;
  };
}
