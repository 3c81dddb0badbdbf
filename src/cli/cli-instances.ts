import path from 'node:path';
import { defaultInstance, loadInstancesFile, type InstanceSettings } from '../config/instances-file.js';
import { CliError } from './cli-error.js';
import { giteaSettings, readCliSettings } from './cli-settings.js';

/**
 * The Gitea/Forgejo instances the subcommands act on, first one first: those of
 * `KUGETSU_INSTANCES_FILE` (resolved against `cwd`), or without it the one instance `gitea` of
 * `GITEA_URL`, `GITEA_TOKEN` and `KUGETSU_WEBHOOK_SECRET` (as `kugetsu serve` reads them).
 * Throws a {@link CliError} listing every problem of the file (`file:line:col: message`) or saying
 * which variable to set.
 */
export function cliInstances(env: Record<string, string | undefined>, cwd: string): InstanceSettings[] {
  const file = env['KUGETSU_INSTANCES_FILE'];
  if (file) {
    const loaded = loadInstancesFile(path.resolve(cwd, file), env);
    if (!loaded.instances) throw new CliError(`KUGETSU_INSTANCES_FILE has problems:\n${loaded.errors.map((e) => `  ${e.text}`).join('\n')}`);
    return loaded.instances;
  }
  const { baseUrl, token } = giteaSettings(env);
  return [defaultInstance({ giteaUrl: baseUrl, giteaToken: token, webhookSecrets: readCliSettings(env, cwd).webhookSecrets })];
}

/** An instance chosen by `--instance`, with where its stored webhook secrets are kept. */
export interface ChosenInstance {
  instance: InstanceSettings;
  /** Prefix of its stored secrets' keys: `''` for the first instance, `@<host>/` for the others (as `kugetsu serve` reads them). */
  secretPrefix: string;
}

/**
 * The instance `--instance <name>` names (without the option: the first one), or a
 * {@link CliError} listing the configured names.
 */
export function cliInstance(env: Record<string, string | undefined>, cwd: string, name: string | undefined): ChosenInstance {
  const all = cliInstances(env, cwd);
  const instance = name === undefined ? all[0]! : all.find((i) => i.name === name);
  if (!instance) throw new CliError(`no instance called "${name}"\n  → the configured instances are: ${all.map((i) => i.name).join(', ')}`);
  return { instance, secretPrefix: instance === all[0] ? '' : `@${instance.host}/` };
}

/**
 * The webhook paths of kugetsu's own hooks on `chosen`'s instance: `/webhooks/<name>`, and for the
 * first instance also `/webhooks/gitea` (which keeps serving it).
 */
export function kugetsuHookPaths(chosen: ChosenInstance): string[] {
  return chosen.secretPrefix === '' ? ['/webhooks/gitea', `/webhooks/${chosen.instance.name}`] : [`/webhooks/${chosen.instance.name}`];
}
