import { BASIC_AUTH_USER } from './http-auth-config.js';

/** Replaces every known secret in a text with `***`. */
export type SecretMasker = (text: string) => string;

/**
 * A masker for the Gitea token: hides the token itself, its URL-encoded form, the base64 of
 * `kugetsu:<token>` (what the `Authorization` header carries) and the base64 of the token alone.
 * Also hides `user:password@` in URLs. With no token it only redacts URL credentials.
 */
export function createSecretMasker(token: string | undefined): SecretMasker {
  const secrets = new Set<string>();
  if (token) {
    secrets.add(token);
    secrets.add(encodeURIComponent(token));
    secrets.add(Buffer.from(`${BASIC_AUTH_USER}:${token}`, 'utf8').toString('base64'));
    secrets.add(Buffer.from(token, 'utf8').toString('base64').replace(/=+$/, ''));
  }
  // Longest first, so that a secret containing another is replaced whole.
  const ordered = [...secrets].filter((s) => s.length >= 4).sort((a, b) => b.length - a.length);
  return (text) => {
    let out = text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/gi, '$1***@');
    for (const secret of ordered) out = out.split(secret).join('***');
    return out;
  };
}
