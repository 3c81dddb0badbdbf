import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { repoConfigError, type RepoConfigError } from './repo-config-error.js';
import { locate } from './repo-config-locate.js';

/** The forge software an instance runs: Gitea, or Forgejo (a Gitea fork; docs/forgejo-contract.md). */
export type InstanceKind = 'gitea' | 'forgejo';

/**
 * One Gitea or Forgejo server kugetsu serves, with its secrets read from the variables the
 * instances file names (never written in the file).
 */
export interface InstanceSettings {
  /** Lowercase name, `[a-z0-9][a-z0-9-]*`: the delivery path `/webhooks/<name>` and `--instance <name>`. */
  name: string;
  /** Base URL without a trailing slash, e.g. `https://codeberg.org`. */
  url: string;
  /** The URL's host (with `:port` when not the default), lowercase: what issue keys are qualified with. */
  host: string;
  kind: InstanceKind;
  /** The bot account's access token on this instance. */
  token: string;
  /** Valid webhook secrets of this instance (several while rotating); empty when none is set. */
  secrets: string[];
  /** The variables the token and the secret were read from (for messages; `undefined` for the default instance). */
  tokenEnv?: string | undefined;
  secretEnv?: string | undefined;
  /**
   * The OAuth2 application people sign in to the dashboard with on this instance (its redirect URI
   * is `<KUGETSU_PUBLIC_URL>/auth/callback`), read from the variables `oauth_client_id_env` and
   * `oauth_client_secret_env` name; absent when the file names none (the first instance may then
   * use `KUGETSU_OAUTH_CLIENT_ID`/`KUGETSU_OAUTH_CLIENT_SECRET`).
   */
  oauth?: { clientId: string; clientSecret: string } | undefined;
  /** The variables the OAuth application's id and secret were read from (for messages). */
  oauthClientIdEnv?: string | undefined;
  oauthClientSecretEnv?: string | undefined;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const instanceSchema = z.strictObject({
  name: z
    .string({ error: 'name is required: a short lowercase name, e.g. codeberg (deliveries go to /webhooks/<name>)' })
    .regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'name must be lowercase letters, digits and "-" (at most 40), e.g. codeberg'),
  url: z.url({ error: 'url must be the base URL of the instance, e.g. https://codeberg.org' }).refine((u) => /^https?:\/\//i.test(u), 'url must start with http:// or https://'),
  kind: z.enum(['gitea', 'forgejo'], { error: 'kind must be gitea or forgejo' }).default('gitea'),
  token_env: z
    .string({ error: "token_env is required: the name of the environment variable holding the bot's access token on this instance" })
    .regex(ENV_NAME, 'token_env must be the name of an environment variable, e.g. CODEBERG_TOKEN'),
  secret_env: z.string().regex(ENV_NAME, 'secret_env must be the name of an environment variable, e.g. CODEBERG_WEBHOOK_SECRET').optional(),
  oauth_client_id_env: z
    .string()
    .regex(ENV_NAME, "oauth_client_id_env must be the name of an environment variable holding the dashboard's OAuth2 client id on this instance, e.g. CODEBERG_OAUTH_CLIENT_ID")
    .optional(),
  oauth_client_secret_env: z
    .string()
    .regex(
      ENV_NAME,
      "oauth_client_secret_env must be the name of an environment variable holding the dashboard's OAuth2 client secret on this instance, e.g. CODEBERG_OAUTH_CLIENT_SECRET",
    )
    .optional(),
});

const fileSchema = z.strictObject({
  instances: z.array(instanceSchema, { error: 'instances must be a list of instances ("- name: …" entries)' }).min(1, 'instances must list at least one instance'),
});

/** The host issue keys are qualified with: lowercase, with the port unless it is the scheme's default. */
export function instanceHost(url: string): string {
  return new URL(url).host.toLowerCase();
}

/**
 * Parses an instances file's text (`KUGETSU_INSTANCES_FILE`): `instances: [{name, url, kind,
 * token_env, secret_env, oauth_client_id_env, oauth_client_secret_env}]` (the two `oauth_*` keys
 * both or neither). `file` names the file in messages, `env` holds the variables the `*_env` keys name. Returns the instances in file order (the first one is the one
 * `/webhooks/gitea` and an unqualified issue key mean), or every problem as `file:line:col: message`.
 */
export function parseInstancesFile(file: string, text: string, env: Record<string, string | undefined>): { instances?: InstanceSettings[]; errors: RepoConfigError[] } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      errors: doc.errors.map((e) => {
        const p = e.linePos?.[0] ?? lines.linePos(e.pos[0]);
        return repoConfigError(file, p.line, p.col, `YAML syntax error: ${e.message.split('\n')[0]}`);
      }),
    };
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    return { errors: [repoConfigError(file, 1, 1, `the YAML cannot be read: ${(err as Error).message}`)] };
  }
  const at = (path: ReadonlyArray<string | number>, atKey = false) => locate(doc, lines, path, atKey);
  const error = (path: ReadonlyArray<string | number>, message: string, atKey = false) => {
    const p = at(path, atKey);
    return repoConfigError(file, p.line, p.col, message);
  };
  const parsed = fileSchema.safeParse(data ?? {});
  if (!parsed.success) {
    return {
      errors: parsed.error.issues.flatMap((issue) => {
        const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
        if (issue.code === 'unrecognized_keys') {
          return issue.keys.map((key) =>
            error(
              [...path, key],
              /oauth|client/i.test(key)
                ? `"${key}": the dashboard's OAuth2 application is never written in a file; name the environment variables that hold it with oauth_client_id_env and oauth_client_secret_env`
                : /secret|token/i.test(key)
                  ? `"${key}": secrets are never written in a file; name the environment variable that holds it with token_env or secret_env`
                  : `unknown key "${key}"; the keys here are ${path.length === 0 ? 'instances' : 'name, url, kind, token_env, secret_env, oauth_client_id_env, oauth_client_secret_env'}`,
              true,
            ),
          );
        }
        return [error(path, issue.message)];
      }),
    };
  }
  const errors: RepoConfigError[] = [];
  // The dashboard's OAuth application of an instance: both variables or neither, each one set.
  const oauthOf = (raw: z.infer<typeof instanceSchema>, i: number): InstanceSettings['oauth'] => {
    const idEnv = raw.oauth_client_id_env;
    const secretEnv = raw.oauth_client_secret_env;
    if (idEnv === undefined && secretEnv === undefined) return undefined;
    if (idEnv === undefined || secretEnv === undefined) {
      const [given, missing] = idEnv === undefined ? ['oauth_client_secret_env', 'oauth_client_id_env'] : ['oauth_client_id_env', 'oauth_client_secret_env'];
      errors.push(
        error(['instances', i, given], `${given} needs ${missing} beside it: the dashboard's OAuth2 application of instance "${raw.name}" is a client id and a client secret`),
      );
      return undefined;
    }
    const clientId = env[idEnv];
    const clientSecret = env[secretEnv];
    if (!clientId) errors.push(error(['instances', i, 'oauth_client_id_env'], `${idEnv} (the dashboard's OAuth2 client id on instance "${raw.name}") is not set`));
    if (!clientSecret) errors.push(error(['instances', i, 'oauth_client_secret_env'], `${secretEnv} (the dashboard's OAuth2 client secret on instance "${raw.name}") is not set`));
    return clientId && clientSecret ? { clientId, clientSecret } : undefined;
  };
  const seenNames = new Map<string, number>();
  const seenHosts = new Map<string, number>();
  const instances = parsed.data.instances.map((raw, i): InstanceSettings => {
    const host = instanceHost(raw.url);
    const sameName = seenNames.get(raw.name);
    if (sameName !== undefined) errors.push(error(['instances', i, 'name'], `instance name "${raw.name}" is used twice (also instance ${sameName + 1}); each needs its own name`));
    seenNames.set(raw.name, i);
    const sameHost = seenHosts.get(host);
    if (sameHost !== undefined)
      errors.push(error(['instances', i, 'url'], `host ${host} is used twice (also instance ${sameHost + 1}); issue keys are qualified by host, so each instance needs its own`));
    seenHosts.set(host, i);
    const token = env[raw.token_env];
    if (!token) errors.push(error(['instances', i, 'token_env'], `${raw.token_env} (the access token of instance "${raw.name}") is not set`));
    const secretRaw = raw.secret_env === undefined ? undefined : env[raw.secret_env];
    if (raw.secret_env !== undefined && !secretRaw)
      errors.push(error(['instances', i, 'secret_env'], `${raw.secret_env} (the webhook secret of instance "${raw.name}") is not set`));
    const oauth = oauthOf(raw, i);
    return {
      name: raw.name,
      url: raw.url.replace(/\/+$/, ''),
      host,
      kind: raw.kind,
      token: token ?? '',
      secrets: (secretRaw ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
      tokenEnv: raw.token_env,
      secretEnv: raw.secret_env,
      ...(oauth ? { oauth, oauthClientIdEnv: raw.oauth_client_id_env, oauthClientSecretEnv: raw.oauth_client_secret_env } : {}),
    };
  });
  return errors.length > 0 ? { errors } : { instances, errors: [] };
}

/** Reads and parses `path` (see {@link parseInstancesFile}); a file that cannot be read is one error. */
export function loadInstancesFile(path: string, env: Record<string, string | undefined>): { instances?: InstanceSettings[]; errors: RepoConfigError[] } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    return { errors: [repoConfigError(path, 1, 1, `cannot read the instances file: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)] };
  }
  return parseInstancesFile(path, text, env);
}

/**
 * The instance kugetsu serves without an instances file: `GITEA_URL`, `GITEA_TOKEN` and
 * `KUGETSU_WEBHOOK_SECRET`, named `gitea` (its deliveries at `/webhooks/gitea`, as always).
 */
export function defaultInstance(settings: { giteaUrl: string; giteaToken: string; webhookSecrets: readonly string[] }): InstanceSettings {
  return { name: 'gitea', url: settings.giteaUrl, host: instanceHost(settings.giteaUrl), kind: 'gitea', token: settings.giteaToken, secrets: [...settings.webhookSecrets] };
}
