/**
 * Secrets that may sign deliveries about one repository, and where they come from:
 * - `repository`: the repository's own (`KUGETSU_REPO_SECRETS owner/repo=…`, `secret_env` in its
 *   `webhooks/` settings, or stored by `kugetsu hooks install|secret owner/repo`);
 * - `organization`: its owner's (`KUGETSU_REPO_SECRETS owner/*=…`, `webhooks/` settings for
 *   `owner/*`, or stored by `kugetsu hooks install|secret <org>`), for an organisation hook;
 * - `global`: `KUGETSU_WEBHOOK_SECRET`.
 * `hookTarget` is set for secrets `kugetsu hooks install` stored for a hook it created: a delivery
 * signed with one must come from that kind of hook (`X-Gitea-Hook-Installation-Target-Type`,
 * Gitea ≥ 1.24) whenever it says.
 */
export interface SecretSet {
  scope: 'repository' | 'organization' | 'global';
  secrets: readonly string[];
  hookTarget?: 'repository' | 'organization';
}

/** Where {@link chooseSecrets} looks. Names are lowercase `owner/repo` and `owner`. */
export interface SecretSources {
  global: readonly string[];
  /** Configured secrets of a repository (environment and `webhooks/` settings). */
  repository: (fullName: string) => readonly string[];
  /** Configured secrets of an owner (organisation hooks). */
  organization: (owner: string) => readonly string[];
  /** Secrets `hooks install`/`hooks secret` stored for a repository hook. */
  storedRepository: (fullName: string) => readonly string[];
  /** Secrets `hooks install`/`hooks secret` stored for an organisation hook. */
  storedOrganization: (owner: string) => readonly string[];
}

/**
 * The secrets a delivery about `fullName` (lowercase `owner/repo`; `undefined` when the body names
 * no repository) may be signed with, in the order to try them. A repository with a secret of its
 * own — or whose organisation has one — accepts only those, never the global secret and never
 * another repository's; one without accepts `KUGETSU_WEBHOOK_SECRET`. So a secret leaked by one
 * repository's admin signs deliveries for that repository (or organisation) only.
 */
export function chooseSecrets(sources: SecretSources, fullName: string | undefined): SecretSet[] {
  if (fullName === undefined) return sources.global.length > 0 ? [{ scope: 'global', secrets: sources.global }] : [];
  const owner = fullName.split('/')[0] ?? '';
  const own: SecretSet[] = [
    { scope: 'repository', secrets: sources.repository(fullName) },
    { scope: 'repository', secrets: sources.storedRepository(fullName), hookTarget: 'repository' },
    { scope: 'organization', secrets: sources.organization(owner) },
    { scope: 'organization', secrets: sources.storedOrganization(owner), hookTarget: 'organization' },
  ].filter((set): set is SecretSet => set.secrets.length > 0);
  if (own.length > 0) return own;
  return sources.global.length > 0 ? [{ scope: 'global', secrets: sources.global }] : [];
}
