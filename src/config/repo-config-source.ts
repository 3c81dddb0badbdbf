import { loadRepoSettings, type LoadRepoSettingsOptions } from './repo-config.js';
import type { RepoConfigError } from './repo-config-error.js';
import type { RepoSettingsSource } from './repo-settings.js';

/** The part of the service logger the holder uses (a pino `Logger` fits). */
export interface RepoConfigLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** The outcome of {@link ReloadableRepoSettingsSource.reload}. */
export interface RepoSettingsReload {
  /** The new files are in force; when false the previous settings stay and `errors` says why. */
  ok: boolean;
  errors: RepoConfigError[];
}

/** A {@link RepoSettingsSource} that re-reads `KUGETSU_WEBHOOKS_DIR` on demand (the service calls `reload` on SIGHUP). */
export interface ReloadableRepoSettingsSource extends RepoSettingsSource {
  /** Problems of the load made at creation: the service prints each `text` and exits 1 when there is any. */
  readonly initialErrors: readonly RepoConfigError[];
  /** Re-reads the directory; applies it only when every file is valid, else keeps the previous settings. */
  reload(): RepoSettingsReload;
}

/**
 * Loads the per-repository settings now and holds them; `settingsFor` always answers from the last
 * good load. A reload with any problem changes nothing, logs every problem (warn) and returns them.
 */
export function createRepoSettingsSource(opts: LoadRepoSettingsOptions & { logger?: RepoConfigLogger }): ReloadableRepoSettingsSource {
  const first = loadRepoSettings(opts);
  let current = first.source;
  return {
    initialErrors: first.errors,
    settingsFor: (owner, repo, host) => current.settingsFor(owner, repo, host),
    configured: () => current.configured(),
    commandWords: () => current.commandWords(),
    reload(): RepoSettingsReload {
      const next = loadRepoSettings(opts);
      if (next.errors.length > 0) {
        opts.logger?.warn({ dir: opts.dir, errors: next.errors.map((e) => e.text) }, 'webhooks: reload refused; fix these problems, the previous settings stay in force');
        return { ok: false, errors: next.errors };
      }
      current = next.source;
      opts.logger?.info({ dir: opts.dir, configured: current.configured() }, 'webhooks: per-repository settings reloaded');
      return { ok: true, errors: [] };
    },
  };
}
