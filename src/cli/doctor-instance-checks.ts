import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { readStoredSecrets } from '../admin/stored-secrets.js';
import type { InstanceSettings } from '../config/instances-file.js';
import { fail, ok, type DoctorCheck } from './doctor-check.js';
import { checkGiteaVersion, checkToken } from './doctor-gitea-checks.js';

/**
 * The checks of one instance of `KUGETSU_INSTANCES_FILE`, named `instance <name>`, `token <name>`
 * and `webhook secret <name>`: the server answers `GET /api/v1/version`, its token is accepted
 * (`GET /api/v1/user`, whose login is shown), and kugetsu has a secret to verify its deliveries
 * with (`secret_env`, or secrets `kugetsu hooks install --instance` stored under `secretPrefix`:
 * `''` for the first instance, `@<host>/` for the others). Never throws.
 */
export async function checkInstance(instance: InstanceSettings, secretPrefix: string, stateDir: string, doFetch?: typeof fetch): Promise<DoctorCheck[]> {
  const access = { baseUrl: instance.url, token: instance.token, ...(doFetch ? { fetch: doFetch } : {}) };
  const label = `${instance.name} (${instance.kind})`;
  const rename = (c: DoctorCheck, name: string): DoctorCheck => {
    const tokenEnv = instance.tokenEnv ?? 'GITEA_TOKEN';
    const swap = (s: string) =>
      s
        .replaceAll('GITEA_TOKEN', tokenEnv)
        .replaceAll('GITEA_URL', `the url of instance ${instance.name}`)
        .replace(/^Gitea /, instance.kind === 'forgejo' ? 'Forgejo ' : 'Gitea ');
    return { ...c, name, detail: swap(c.detail), ...(c.fix ? { fix: swap(c.fix) } : {}) };
  };
  const checks: DoctorCheck[] = [];
  const reach = rename(await checkGiteaVersion(access), `instance ${instance.name}`);
  checks.push(reach);
  if (reach.status === 'ok') checks.push(rename(await checkToken(access), `token ${instance.name}`));
  checks.push(checkInstanceSecret(instance, secretPrefix, stateDir, label));
  return checks;
}

function checkInstanceSecret(instance: InstanceSettings, secretPrefix: string, stateDir: string, label: string): DoctorCheck {
  const name = `webhook secret ${instance.name}`;
  if (instance.secrets.length > 0)
    return ok(name, `${instance.secretEnv ?? 'KUGETSU_WEBHOOK_SECRET'} is set (${instance.secrets.length} secret${instance.secrets.length === 1 ? '' : 's'})`);
  const stored = secretPrefix === '' ? Object.keys(readStoredSecrets(stateDir)) : storedUnder(stateDir, secretPrefix);
  if (stored.length > 0) return ok(name, `no instance-wide secret; per-repository secrets stored for ${stored.join(', ')}`);
  return fail(
    name,
    `kugetsu has no secret for deliveries of ${label}: every delivery to /webhooks/${instance.name} would be refused`,
    `set secret_env of instance ${instance.name} in KUGETSU_INSTANCES_FILE, or run kugetsu hooks install <owner/repo> --url <public url> --instance ${instance.name}`,
  );
}

/** The `owner/repo` (or `org/*`) keys with a secret file under `<state>/secrets/@<host>/` (`prefix` is `@<host>/`). */
export function storedUnder(stateDir: string, prefix: string): string[] {
  const root = path.join(stateDir, 'secrets', prefix.replace(/\/$/, ''));
  if (!existsSync(root)) return [];
  return readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((owner) =>
      readdirSync(path.join(root, owner.name))
        .filter((f) => f.endsWith('.secret'))
        .map((f) => (f === '@org.secret' ? `${owner.name}/*` : `${owner.name}/${f.slice(0, -'.secret'.length)}`)),
    );
}
