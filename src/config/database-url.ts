/** A `KUGETSU_DATABASE_URL` taken apart for safe use: what to connect to, what to show, what to mask. */
export interface DatabaseUrl {
  /** The URL as given, password included: for the database client only, never for a log line. */
  url: string;
  /** The URL with its password (user-info part and `password=` query parameter) replaced by `***`. */
  redacted: string;
  /** Every form of the password that may appear in text (as written, percent-decoded), for the log redactor. */
  secrets: string[];
}

const SCHEMES = new Set(['postgres:', 'postgresql:']);

/**
 * Checks and takes apart a PostgreSQL connection URL (libpq's URI form, PostgreSQL 15 docs
 * §34.1.1.2 "Connection URIs": `postgres[ql]://[user[:password]@][host][:port][/dbname][?param=value&…]`,
 * which `pg` 8 reads through pg-connection-string). Returns a problem text instead when the value is
 * not such a URL; the text never repeats the value, which may hold a password.
 */
export function parseDatabaseUrl(raw: string): DatabaseUrl | { problem: string } {
  const value = raw.trim();
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    return { problem: 'KUGETSU_DATABASE_URL must be a URL like postgres://user:password@host:5432/database (the value given is not a URL)' };
  }
  if (!SCHEMES.has(parsed.protocol)) {
    return { problem: "KUGETSU_DATABASE_URL must start with postgres:// or postgresql:// (a URL, not libpq's key=value form); leave it unset for the embedded SQLite database" };
  }
  const secrets = new Set<string>();
  const addSecret = (s: string) => {
    if (s === '') return;
    secrets.add(s);
    try {
      secrets.add(decodeURIComponent(s));
    } catch {
      // not percent-encoded: the raw form is enough
    }
  };
  addSecret(parsed.password);
  // `?password=` also reaches the client (pg-connection-string copies query parameters).
  const queryPassword = /[?&]password=([^&#]*)/.exec(parsed.search);
  if (queryPassword) {
    addSecret(queryPassword[1]!);
    addSecret(queryPassword[1]!.replace(/\+/g, ' '));
  }
  return { url: value, redacted: redactDatabaseUrl(value), secrets: [...secrets] };
}

/**
 * The URL with any password replaced by `***` (`postgres://kugetsu:***@db:5432/kugetsu`); a value
 * that is not a URL at all becomes `<not a URL>`, since its parts cannot be told apart. Safe for logs.
 */
export function redactDatabaseUrl(raw: string): string {
  let parsed: URL;
  try {
    parsed = new URL(raw.trim());
  } catch {
    return '<not a URL>';
  }
  const userInfo = parsed.username || parsed.password ? `${parsed.username}${parsed.password ? ':***' : ''}@` : '';
  const search = parsed.search.replace(/([?&]password=)[^&#]*/g, '$1***');
  return `${parsed.protocol}//${userInfo}${parsed.host}${parsed.pathname}${search}`;
}
