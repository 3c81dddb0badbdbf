import { z } from 'zod';

/**
 * The dashboard's settings. `oauth` is set when sign-in with the first instance is configured
 * (`KUGETSU_OAUTH_CLIENT_ID`, `KUGETSU_OAUTH_CLIENT_SECRET`, `KUGETSU_PUBLIC_URL`: all three or
 * none); `signIn` when any instance offers sign-in (the other instances' applications are in the
 * instances file); without either only the admin token opens the dashboard and its API.
 */
export interface WebSettings {
  /**
   * `KUGETSU_PUBLIC_URL` and the one redirect URI every instance's OAuth2 application registers
   * (`<publicUrl>/auth/callback`); set whenever sign-in is configured on some instance.
   */
  signIn?: { publicUrl: string; redirectUrl: string };
  oauth?: {
    clientId: string;
    clientSecret: string;
    /** Where people reach kugetsu, without a trailing slash, e.g. `https://kugetsu.example.org`. */
    publicUrl: string;
    /** `<publicUrl>/auth/callback`: register exactly this as the OAuth application's redirect URI in Gitea. */
    redirectUrl: string;
  };
  /**
   * `KUGETSU_SESSION_SECRET` (at least 32 characters): the key session cookies are signed with.
   * Unset: a random key generated once in `<state>/session-key` (mode 0600) — set it when several
   * ingress processes serve the dashboard, so that each accepts the others' cookies.
   */
  sessionSecret?: string;
  /** How long a sign-in lasts, in ms (`KUGETSU_SESSION_HOURS`, default 12). */
  sessionTtlMs: number;
}

const optionalText = z
  .string()
  .optional()
  .transform((v) => (v?.trim() ? v.trim() : undefined));

const webEnvSchema = z.object({
  KUGETSU_OAUTH_CLIENT_ID: optionalText,
  KUGETSU_OAUTH_CLIENT_SECRET: optionalText,
  KUGETSU_PUBLIC_URL: optionalText.pipe(
    z.url({ protocol: /^https?$/, error: 'KUGETSU_PUBLIC_URL must be the http(s) URL people open kugetsu at, e.g. https://kugetsu.example.org' }).optional(),
  ),
  KUGETSU_SESSION_SECRET: optionalText.pipe(z.string().min(32, 'KUGETSU_SESSION_SECRET must be at least 32 characters (e.g. `openssl rand -hex 32`)').optional()),
  KUGETSU_SESSION_HOURS: z.coerce
    .number({ error: 'KUGETSU_SESSION_HOURS must be a number of hours' })
    .positive('KUGETSU_SESSION_HOURS must be greater than 0')
    .max(24 * 30, 'KUGETSU_SESSION_HOURS must be at most 720 (30 days)')
    .default(12),
});

/**
 * Reads the dashboard's settings from the environment. `otherApps` names the instances after the
 * first whose OAuth2 application the instances file names (they need `KUGETSU_PUBLIC_URL` too).
 * Returns the settings, or every problem (invalid values; an incomplete OAuth trio names the
 * missing variables).
 */
export function readWebSettings(env: Record<string, string | undefined>, otherApps: readonly string[] = []): { settings: WebSettings } | { problems: string[] } {
  const parsed = webEnvSchema.safeParse(env);
  if (!parsed.success) return { problems: parsed.error.issues.map((i) => (i.message.startsWith('KUGETSU_') ? i.message : `${i.path.join('.')}: ${i.message}`)) };
  const e = parsed.data;
  const trio = { KUGETSU_OAUTH_CLIENT_ID: e.KUGETSU_OAUTH_CLIENT_ID, KUGETSU_OAUTH_CLIENT_SECRET: e.KUGETSU_OAUTH_CLIENT_SECRET, KUGETSU_PUBLIC_URL: e.KUGETSU_PUBLIC_URL };
  const missing = Object.entries(trio)
    .filter(([, v]) => v === undefined)
    .map(([k]) => k);
  if (otherApps.length > 0) {
    // Other instances sign in too: the first's id and secret go together, the public URL is needed.
    const problems: string[] = [];
    const pair = missing.filter((k) => k !== 'KUGETSU_PUBLIC_URL');
    if (pair.length === 1) problems.push(`sign-in with the first instance needs KUGETSU_OAUTH_CLIENT_ID and KUGETSU_OAUTH_CLIENT_SECRET together: ${pair[0]} is missing`);
    if (e.KUGETSU_PUBLIC_URL === undefined)
      problems.push(
        `KUGETSU_PUBLIC_URL is missing: sign-in with instance${otherApps.length > 1 ? 's' : ''} ${otherApps.map((n) => `"${n}"`).join(', ')} needs the URL people open kugetsu at (its OAuth2 application's redirect URI is <KUGETSU_PUBLIC_URL>/auth/callback)`,
      );
    if (problems.length > 0) return { problems };
  } else if (missing.length > 0 && missing.length < 3) {
    return {
      problems: [
        `sign-in with Gitea needs KUGETSU_OAUTH_CLIENT_ID, KUGETSU_OAUTH_CLIENT_SECRET and KUGETSU_PUBLIC_URL together: ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} missing`,
      ],
    };
  }
  const publicUrl = e.KUGETSU_PUBLIC_URL?.replace(/\/+$/, '');
  const firstApp = e.KUGETSU_OAUTH_CLIENT_ID !== undefined && e.KUGETSU_OAUTH_CLIENT_SECRET !== undefined;
  return {
    settings: {
      ...(publicUrl && (firstApp || otherApps.length > 0) ? { signIn: { publicUrl, redirectUrl: `${publicUrl}/auth/callback` } } : {}),
      ...(missing.length === 0 && publicUrl
        ? { oauth: { clientId: e.KUGETSU_OAUTH_CLIENT_ID!, clientSecret: e.KUGETSU_OAUTH_CLIENT_SECRET!, publicUrl, redirectUrl: `${publicUrl}/auth/callback` } }
        : {}),
      ...(e.KUGETSU_SESSION_SECRET ? { sessionSecret: e.KUGETSU_SESSION_SECRET } : {}),
      sessionTtlMs: e.KUGETSU_SESSION_HOURS * 3600 * 1000,
    },
  };
}
