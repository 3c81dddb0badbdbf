import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** One static file of the dashboard, read once at start-up. */
export interface Asset {
  body: string;
  contentType: string;
  /** A strong ETag (SHA-256 of the content, shortened), for `If-None-Match`. */
  etag: string;
}

const FILES: Record<string, string> = {
  'dashboard.css': 'text/css; charset=utf-8',
  'dashboard.js': 'text/javascript; charset=utf-8',
  'favicon.svg': 'image/svg+xml',
};

/**
 * The dashboard's static files (`src/web/pages/assets/`, copied next to the compiled pages by
 * `npm run build`), by file name. Throws at start-up when one is missing (a broken build).
 */
export function loadAssets(dir: URL = new URL('./assets/', import.meta.url)): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const [name, contentType] of Object.entries(FILES)) {
    const body = readFileSync(new URL(name, dir), 'utf8');
    assets.set(name, { body, contentType, etag: `"${createHash('sha256').update(body).digest('hex').slice(0, 20)}"` });
  }
  return assets;
}
