import type { Config } from './config.js';
import { configuredInstances } from './configured-instances.js';

/**
 * Every secret value `config` holds, for the log and output redactor (strings; `undefined` and
 * empty entries are for the redactor to skip): each instance's token and webhook secrets, the
 * per-repository webhook secrets, the delivery `Authorization`, the database password, the
 * dashboard's OAuth client secret (and each instance's) and session secret, the metrics token, and the global and
 * per-repository notification secrets and receiver URLs (a receiver URL may carry a token, as
 * Slack's and ntfy's do). Read again after a reload of the per-repository settings (SIGHUP).
 */
export function configSecrets(config: Config): (string | undefined)[] {
  const repoSettings = config.repoSettings.configured().map((name) => settingsOfConfigured(config, name));
  return [
    config.giteaToken,
    ...configuredInstances(config).flatMap((i) => [i.token, ...i.secrets, i.oauth?.clientSecret]),
    ...config.webhookSecrets,
    ...Object.values(config.repoSecrets).flat(),
    config.webhookAuthorization,
    ...(config.database.kind === 'postgres' ? config.database.secrets : []),
    config.web?.oauth?.clientSecret,
    config.web?.sessionSecret,
    config.metricsToken,
    config.notify.secret,
    ...config.notify.urls,
    ...repoSettings.flatMap((s) => [...s.secrets, s.notify.secret, ...s.notify.urls]),
  ];
}

/** The settings of a name of `configured()`: `owner/repo`, `owner/*`, or `host/owner/…` (that instance's). */
function settingsOfConfigured(config: Config, name: string) {
  const parts = name.split('/');
  return parts.length === 3 ? config.repoSettings.settingsFor(parts[1]!, parts[2]!, parts[0]) : config.repoSettings.settingsFor(parts[0]!, parts[1]!);
}
