import { randomBytes } from 'node:crypto';

/** A registered OAuth2 application (Gitea: Settings → Applications). */
export interface FakeOAuthApp {
  clientId: string;
  clientSecret: string;
  /** Exact redirect URIs (Gitea compares them exactly). */
  redirectUris: string[];
  /** Confidential clients must authenticate with their secret; public ones need PKCE. */
  confidential: boolean;
}

/** An authorization code waiting to be exchanged (single use). `expiresAt` in ms since the epoch. */
export interface PendingCode {
  clientId: string;
  userId: number;
  redirectUri: string;
  challenge?: { method: 'S256' | 'plain'; value: string };
  expiresAt: number;
}

/**
 * The OAuth2 provider part of the fake Gitea (see docs/gitea-oauth-contract.md of this repository):
 * registered applications, authorization codes (single use, 10 minutes) and the access tokens they
 * became (they authenticate API calls like a personal token). `signInAs` picks the person the
 * authorize page signs in without asking (tests); otherwise the page lists the fake's users.
 */
export class FakeOAuth {
  readonly apps = new Map<string, FakeOAuthApp>();
  private readonly codes = new Map<string, PendingCode>();
  private readonly tokens = new Map<string, number>();
  /** Login the authorize endpoint signs in at once (like a browser already signed in to Gitea); `undefined`: show the chooser page. */
  signedIn: string | undefined;

  /** Registers an application; returns it. */
  addApp(app: { clientId?: string; clientSecret?: string; redirectUris: string[]; confidential?: boolean }): FakeOAuthApp {
    const created: FakeOAuthApp = {
      clientId: app.clientId ?? randomBytes(16).toString('hex'),
      clientSecret: app.clientSecret ?? `gto_${randomBytes(24).toString('hex')}`,
      redirectUris: [...app.redirectUris],
      confidential: app.confidential ?? true,
    };
    this.apps.set(created.clientId, created);
    return created;
  }

  /** Makes the authorize page sign `login` in without showing the chooser (`undefined` shows it again). */
  signInAs(login: string | undefined): void {
    this.signedIn = login;
  }

  /** The id of the user an OAuth access token belongs to, or `undefined`. */
  userIdOfToken(token: string): number | undefined {
    return this.tokens.get(token);
  }

  /** Issues a code for `user` (used by the authorize route). */
  issueCode(pending: Omit<PendingCode, 'expiresAt'>): string {
    const code = randomBytes(20).toString('hex');
    this.codes.set(code, { ...pending, expiresAt: Date.now() + 10 * 60_000 });
    return code;
  }

  /** Takes a code (single use): the pending grant, or `undefined` when unknown, used or expired. */
  takeCode(code: string): PendingCode | undefined {
    const pending = this.codes.get(code);
    this.codes.delete(code);
    return pending && pending.expiresAt > Date.now() ? pending : undefined;
  }

  /** Issues an access token for user `userId`. */
  issueToken(userId: number): string {
    const token = `gto_oauth_${randomBytes(24).toString('hex')}`;
    this.tokens.set(token, userId);
    return token;
  }
}
