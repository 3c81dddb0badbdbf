/** What kind of remote a clone URL names; decides whether the token may be sent to it. */
export type CloneUrlKind = 'https' | 'http' | 'file' | 'path';

/**
 * Classifies a clone URL, or returns `undefined` for one kugetsu refuses: anything but
 * `https://`, `http://`, `file://` or an absolute local path (so no `ssh`, `ext::`, `fd::`, no
 * relative path, nothing starting with `-`, no whitespace or control characters), and no URL
 * with credentials in it (`https://user:pass@…`): git would keep them in the clone's config; kugetsu
 * sends its token as a per-command header instead.
 */
export function cloneUrlKind(url: string): CloneUrlKind | undefined {
  if (url.length === 0 || url.length > 2048 || /[\s\x00-\x1f\x7f]/.test(url)) return undefined;
  if (url.startsWith('/')) return 'path';
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.username !== '' || parsed.password !== '') return undefined;
  if (parsed.protocol === 'https:') return parsed.hostname ? 'https' : undefined;
  if (parsed.protocol === 'http:') return parsed.hostname ? 'http' : undefined;
  if (parsed.protocol === 'file:') return 'file';
  return undefined;
}

/** The URL with any `user:password@` part replaced by `***@`, for messages and logs. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/i, '$1***@');
}

/** True for `localhost`, `127.0.0.0/8` and `::1`: hosts where plain `http://` cannot be sniffed. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}
