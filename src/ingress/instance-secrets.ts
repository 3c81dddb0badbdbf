import { chooseSecrets, type SecretSet } from './webhook-secrets.js';

/** Where {@link instanceSecrets} finds secrets. Names are lowercase `owner/repo`, `owner/*`. */
export interface InstanceSecretSources {
  /** `KUGETSU_WEBHOOK_SECRET` (the first instance's own). */
  global: readonly string[];
  /** `KUGETSU_REPO_SECRETS`: `owner/repo` or `owner/*` → secrets. */
  configured: Readonly<Record<string, readonly string[]>>;
  /** The `secret_env` secrets of a repository's `webhooks/` settings (first instance). */
  settings: (owner: string, repo: string) => readonly string[];
  /** Secrets `kugetsu hooks install|secret` stored under a key (`owner/repo`, `owner/*`, optionally `@host/`-prefixed); empty when none. */
  stored: (key: string) => readonly string[];
}

/** One instance as {@link instanceSecrets} sees it: the first or not, its host and its own secrets. */
export interface SecretInstance {
  first: boolean;
  /** Lowercase `host[:port]`: the prefix of its stored secrets' keys. */
  host: string;
  /** The instance's webhook secrets (the instances file); unused for the first, which has `global`. */
  secrets: readonly string[];
}

/**
 * The secret sets ({@link chooseSecrets}) a delivery about a repository may be signed with, on one
 * instance: `(fullName) → SecretSet[]` (`fullName` lowercase `owner/repo`, `undefined` when the body
 * names none).
 * - The first instance accepts `KUGETSU_WEBHOOK_SECRET`, the configured per-repository and
 *   per-owner secrets (environment and `webhooks/` settings) and the stored ones under `owner/repo`
 *   and `owner/*`.
 * - Any other instance accepts its own secrets and the stored ones under `@<host>/owner/repo` and
 *   `@<host>/owner/*`; configured per-repository secrets belong to the first instance only.
 * Stored secrets are looked up at each call, so a hook installed while the server runs counts at once.
 */
export function instanceSecrets(sources: InstanceSecretSources, instance: SecretInstance): (fullName: string | undefined) => SecretSet[] {
  if (instance.first) {
    return (fullName) =>
      chooseSecrets(
        {
          global: sources.global,
          repository: (name) => {
            const [owner = '', repo = ''] = name.split('/');
            return [...(sources.configured[name] ?? []), ...(owner && repo ? sources.settings(owner, repo) : [])];
          },
          organization: (owner) => sources.configured[`${owner}/*`] ?? [],
          storedRepository: (name) => sources.stored(name),
          storedOrganization: (owner) => sources.stored(`${owner}/*`),
        },
        fullName,
      );
  }
  const prefix = `@${instance.host}/`;
  return (fullName) =>
    chooseSecrets(
      {
        global: instance.secrets,
        repository: () => [],
        organization: () => [],
        storedRepository: (name) => sources.stored(`${prefix}${name}`),
        storedOrganization: (owner) => sources.stored(`${prefix}${owner}/*`),
      },
      fullName,
    );
}
