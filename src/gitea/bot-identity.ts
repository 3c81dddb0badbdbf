import type { GiteaClient, GiteaUser } from './types.js';

/**
 * kugetsu's own Gitea account (`GET /user`), learnt once and kept: routing ignores what it did,
 * and only comments it wrote are ever taken for kugetsu's own (a marker in someone else's comment
 * proves nothing).
 */
export class BotIdentity {
  private user: GiteaUser | undefined;
  private pending: Promise<GiteaUser> | undefined;

  constructor(private readonly gitea: Pick<GiteaClient, 'currentUser'>) {}

  /** The account's id once known, else `undefined` (never waits). */
  known(): number | undefined {
    return this.user?.id;
  }

  /**
   * The account, asking Gitea when it is not known yet (concurrent callers share one request).
   * Rejects with the client's `GiteaError` when Gitea cannot say.
   */
  async resolve(): Promise<GiteaUser> {
    if (this.user) return this.user;
    this.pending ??= this.gitea.currentUser().finally(() => (this.pending = undefined));
    this.user = await this.pending;
    return this.user;
  }
}
