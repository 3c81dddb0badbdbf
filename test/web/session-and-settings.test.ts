/** Session cookies (signed, expiring), the session key file, and the dashboard's settings. */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readWebSettings } from '../../src/config/web-settings.js';
import { decodeSession, encodeSession, newSession } from '../../src/web/session-cookie.js';
import { sessionKey } from '../../src/web/session-key.js';
import { makeTempDir, removeDir } from '../support/git-fixtures.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) removeDir(d);
});

describe('session cookies', () => {
  const key = Buffer.alloc(32, 7);
  const now = Date.parse('2026-05-01T10:00:00Z');
  const session = newSession({ login: 'alice', id: 4 }, 3_600_000, now);

  it('round-trip while valid; expired, tampered, re-signed with another key or malformed → undefined', () => {
    const value = encodeSession(session, key);
    expect(decodeSession(value, key, now + 1000)).toEqual(session);
    expect(decodeSession(value, key, now + 3_600_000)).toBeUndefined();
    const [body, sig] = value.split('.') as [string, string];
    const forged = Buffer.from(JSON.stringify({ ...session, login: 'root' })).toString('base64url');
    expect(decodeSession(`${forged}.${sig}`, key, now)).toBeUndefined();
    expect(decodeSession(encodeSession(session, Buffer.alloc(32, 8)), key, now)).toBeUndefined();
    for (const bad of ['', 'x', `${body}.`, `${body}.${sig}.x`, 'a'.repeat(5000)]) expect(decodeSession(bad, key, now)).toBeUndefined();
    expect(session.csrf).toMatch(/^[0-9a-f]{32}$/);
  });

  it('the key: from KUGETSU_SESSION_SECRET, else a 0600 file in the state dir kept across restarts', () => {
    const dir = makeTempDir('kugetsu-session-key-');
    dirs.push(dir);
    const a = sessionKey(dir, undefined);
    const file = path.join(dir, 'session-key');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8').trim()).toBe(a.toString('hex'));
    expect(sessionKey(dir, undefined).equals(a)).toBe(true);
    const shared = sessionKey(dir, 's'.repeat(40));
    expect(shared.equals(a)).toBe(false);
    const other = makeTempDir('kugetsu-session-key-');
    dirs.push(other);
    expect(sessionKey(other, 's'.repeat(40)).equals(shared)).toBe(true);
  });
});

describe('dashboard settings', () => {
  it('all three OAuth settings or none; the redirect URL is <public>/auth/callback', () => {
    expect(readWebSettings({})).toEqual({ settings: { sessionTtlMs: 12 * 3_600_000 } });
    const full = readWebSettings({
      KUGETSU_OAUTH_CLIENT_ID: 'id',
      KUGETSU_OAUTH_CLIENT_SECRET: 'secret',
      KUGETSU_PUBLIC_URL: 'https://k.example.org/',
      KUGETSU_SESSION_HOURS: '2',
    });
    expect(full).toEqual({
      settings: {
        oauth: { clientId: 'id', clientSecret: 'secret', publicUrl: 'https://k.example.org', redirectUrl: 'https://k.example.org/auth/callback' },
        signIn: { publicUrl: 'https://k.example.org', redirectUrl: 'https://k.example.org/auth/callback' },
        sessionTtlMs: 7_200_000,
      },
    });
    const partial = readWebSettings({ KUGETSU_OAUTH_CLIENT_ID: 'id' });
    expect(partial).toEqual({ problems: [expect.stringContaining('KUGETSU_OAUTH_CLIENT_SECRET, KUGETSU_PUBLIC_URL are missing')] });
  });

  it("with other instances' OAuth applications: the public URL alone is enough for the first, it is required, and the first's id and secret still go together", () => {
    expect(readWebSettings({ KUGETSU_PUBLIC_URL: 'https://k.example.org' }, ['codeberg'])).toEqual({
      settings: { signIn: { publicUrl: 'https://k.example.org', redirectUrl: 'https://k.example.org/auth/callback' }, sessionTtlMs: 12 * 3_600_000 },
    });
    expect(readWebSettings({}, ['codeberg'])).toEqual({ problems: [expect.stringMatching(/^KUGETSU_PUBLIC_URL is missing: sign-in with instance "codeberg" needs/)] });
    expect(readWebSettings({ KUGETSU_PUBLIC_URL: 'https://k.example.org', KUGETSU_OAUTH_CLIENT_SECRET: 's' }, ['codeberg'])).toEqual({
      problems: [expect.stringContaining('KUGETSU_OAUTH_CLIENT_ID is missing')],
    });
  });

  it('refuses a short session secret, a non-http public URL and a bad lifetime', () => {
    const result = readWebSettings({ KUGETSU_SESSION_SECRET: 'short', KUGETSU_PUBLIC_URL: 'ftp://x', KUGETSU_SESSION_HOURS: '-1' });
    const problems = 'problems' in result ? result.problems : [];
    expect(problems.some((p) => p.includes('KUGETSU_SESSION_SECRET'))).toBe(true);
    expect(problems.some((p) => p.includes('KUGETSU_PUBLIC_URL'))).toBe(true);
    expect(problems.some((p) => p.includes('KUGETSU_SESSION_HOURS'))).toBe(true);
  });
});
