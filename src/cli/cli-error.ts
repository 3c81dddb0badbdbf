import type { GiteaError } from '../gitea/types.js';

/** Exit codes of every `kugetsu` command: 0 ok, 1 error, 2 capacity reached / try later. */
export const EXIT = { ok: 0, error: 1, tryLater: 2 } as const;

/** A failure a command reports as one message saying what to do, with its exit code. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: number = EXIT.error,
  ) {
    super(message);
  }
}

/** Where the user set Gitea's URL and token, as {@link giteaFailure} names them. */
export interface GiteaSettingNames {
  url: string;
  token: string;
}

/** The one-instance settings (`GITEA_URL`, `GITEA_TOKEN`). */
const GITEA_ENV_NAMES: GiteaSettingNames = { url: 'GITEA_URL', token: 'GITEA_TOKEN' };

/** The settings of an instance of `KUGETSU_INSTANCES_FILE` (its `url` and the variable its `token_env` names). */
export const INSTANCES_FILE_NAMES: GiteaSettingNames = {
  url: "the instance's url in KUGETSU_INSTANCES_FILE",
  token: "the token in the instance's token_env variable",
};

/**
 * A `GiteaError` turned into a message that says what to fix: 401 → the token, 403 → the bot's
 * rights or the token's scopes, 404 → the name or the bot's access, network → the URL; 429 and
 * 5xx exit with 2 (try later). `names` says where the URL and token were set (default
 * `GITEA_URL`, `GITEA_TOKEN`).
 */
export function giteaFailure(err: GiteaError, what: string, names: GiteaSettingNames = GITEA_ENV_NAMES): CliError {
  const fix =
    err.status === 0
      ? `check ${names.url} and that this machine can reach Gitea`
      : err.status === 401
        ? `${names.token} is not accepted: create a new access token for the bot account (scopes write:issue, write:repository, read:user)`
        : err.status === 403
          ? 'the bot account needs admin rights on the repository (or owner rights on the organisation), and the token the write:repository scope (write:organization for organisation hooks)'
          : err.status === 404
            ? 'check the name, and that the bot account can see it'
            : err.status === 429 || err.status >= 500
              ? 'Gitea is busy or failing; try again in a minute'
              : 'see the message above';
  return new CliError(`${what} failed: ${err.message}\n  → ${fix}`, err.status === 429 || err.status >= 500 ? EXIT.tryLater : EXIT.error);
}
