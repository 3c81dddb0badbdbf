import type { Config } from './config.js';
import { defaultInstance, type InstanceSettings } from './instances-file.js';

/**
 * The instances a config serves, first one first: `config.instances`, or (a config built by hand,
 * as tests do) the one instance `gitea` of `giteaUrl`, `giteaToken` and `webhookSecrets`.
 */
export function configuredInstances(config: Pick<Config, 'instances' | 'giteaUrl' | 'giteaToken' | 'webhookSecrets'>): InstanceSettings[] {
  return config.instances && config.instances.length > 0 ? config.instances : [defaultInstance(config)];
}
