import { storedSecretsFor, readStoredSecrets } from '../admin/stored-secrets.js';
import { targetKey, type HookTarget } from '../admin/hook-target.js';
import { envSchema } from '../config/config.js';
import { type CliError, EXIT } from './cli-error.js';
import { cliInstances } from './cli-instances.js';
import { cliDatabase, giteaSettings, readCliSettings } from './cli-settings.js';
import { checkInstance } from './doctor-instance-checks.js';
import { checkInstanceHooks } from './doctor-instance-hooks.js';
import { checkPostgresDatabase } from './doctor-postgres-check.js';
import type { CommandContext } from './context.js';
import { fail, type DoctorCheck } from './doctor-check.js';
import { checkGiteaVersion, checkHook, checkScopes, checkToken, targetsOf } from './doctor-gitea-checks.js';
import { checkSandbox } from './doctor-sandbox-check.js';
import { checkSignIn } from './doctor-sign-in-check.js';
import { checkAgent, checkConfig, checkGit, checkRipgrep, checkServer, checkStateDir } from './doctor-local-checks.js';
import { openJobDb, readSchemaVersion } from './job-db.js';
import type { DatabaseSetting } from '../config/config.js';
import type { RepoRef } from '../domain/repo-ref.js';
import { webhookUrl } from './hooks-install-command.js';
import { printJson } from './output.js';

const MARK = { ok: '✓', fail: '✗', warn: '!' } as const;

/**
 * `kugetsu doctor [--url <hook url>]`: checks the configuration, Gitea (reachable, the token's
 * user and scopes), the hook of every repository kugetsu knows (`KUGETSU_REPOS`, repositories in
 * the database, stored secrets), git, the agent binary, the agent sandbox (a real bubblewrap probe), ripgrep, the state dir and its database,
 * and whether a server answers locally. With `KUGETSU_INSTANCES_FILE` the Gitea checks run for
 * every instance, each line naming it (`instance <name>`, `token <name>`, `webhook secret <name>`,
 * `token scopes <name>`, `hook <target> (<name>)`; see `checkInstance`, `checkInstanceHooks`).
 * One line per check with ✓, ✗ or ! (a warning) and what to fix. Returns 1 when any check failed, else 0.
 */
export async function doctorCommand(options: { url?: string; json?: boolean }, ctx: CommandContext): Promise<number> {
  const settings = readCliSettings(ctx.env, ctx.cwd);
  const url = options.url ? webhookUrl(options.url) : undefined;
  const doFetch = ctx.fetch ?? fetch;
  const checks: DoctorCheck[] = [checkConfig(ctx.env, ctx.cwd)];
  let database: DatabaseSetting | undefined;
  try {
    database = cliDatabase(ctx.env, ctx.cwd);
  } catch {
    // the configuration check names the bad KUGETSU_DATABASE_URL
  }

  if (ctx.env['KUGETSU_INSTANCES_FILE']) {
    // Several instances: each one's reachability, token user, webhook secret, token scopes and hooks.
    try {
      const instances = cliInstances(ctx.env, ctx.cwd);
      const knownRepos = await knownDatabaseRepos(database);
      for (const [i, instance] of instances.entries()) {
        const own = await checkInstance(instance, i === 0 ? '' : `@${instance.host}/`, settings.stateDir, ctx.fetch);
        checks.push(...own);
        if (!own.some((c) => c.name === `token ${instance.name}` && c.status === 'ok')) continue;
        checks.push(
          ...(await checkInstanceHooks({
            instance,
            first: i === 0,
            stateDir: settings.stateDir,
            configuredRepos: configuredRepos(ctx.env, { host: instance.host, first: i === 0 }),
            knownRepos,
            url: options.url === undefined ? undefined : instanceHookUrl(options.url),
            configuredSecret: (target) => hasConfiguredSecret(target, ctx.env),
            fetch: ctx.fetch,
          })),
        );
      }
    } catch (err) {
      checks.push(fail('instances', (err as CliError).message, 'fix KUGETSU_INSTANCES_FILE (README "Several instances")'));
    }
  } else {
    let access: { baseUrl: string; token: string; fetch?: typeof fetch } | undefined;
    try {
      access = { ...giteaSettings(ctx.env), ...(ctx.fetch ? { fetch: ctx.fetch } : {}) };
    } catch (err) {
      checks.push(fail('gitea', (err as CliError).message.split('\n')[0]!, 'set GITEA_URL and GITEA_TOKEN'));
    }
    if (access) {
      const reach = await checkGiteaVersion(access);
      checks.push(reach);
      if (reach.status === 'ok') {
        const token = await checkToken(access);
        checks.push(token);
        if (token.status === 'ok') {
          const targets = knownTargets(settings.stateDir, ctx.env, await knownDatabaseRepos(database));
          checks.push(await checkScopes(access, targets));
          for (const target of targets) checks.push(await checkHook(access, target, url, hasSecret(target, settings.stateDir, settings.webhookSecrets, ctx.env)));
        }
      }
    }
  }
  // Sign-in is decided from the instances `serve` would use (none readable: a line above says why).
  const signIn = signInCheck(ctx.env, ctx.cwd);
  if (signIn) checks.push(signIn);
  checks.push(await checkGit(ctx.env, ctx.cwd), checkAgent(ctx.env, ctx.cwd), await checkSandbox(ctx.env, settings.stateDir), await checkRipgrep(ctx.env, ctx.cwd));
  // With PostgreSQL the state dir still holds clones, worktrees and logs, but not the database.
  checks.push(...checkStateDir(settings.stateDir).filter((c) => database?.kind !== 'postgres' || c.name !== 'database'));
  if (database?.kind === 'postgres') checks.push(await checkPostgresDatabase(database));
  checks.push(await checkServer(settings.localUrl, doFetch));

  const failed = checks.filter((c) => c.status === 'fail').length;
  if (options.json) {
    printJson(ctx.output, { ok: failed === 0, checks });
  } else {
    for (const c of checks) ctx.output.out(`${MARK[c.status]} ${c.name}: ${c.detail}${c.fix && c.status !== 'ok' ? `\n    → ${c.fix}` : ''}`);
    ctx.output.out(failed === 0 ? 'All checks passed.' : `${failed} check${failed === 1 ? '' : 's'} failed.`);
  }
  return failed === 0 ? EXIT.ok : EXIT.error;
}

/**
 * `KUGETSU_REPOS` as lowercase `owner/repo` keys (empty when unset or invalid); with `of`, only the
 * entries of that instance: `host/owner/repo` of its host, and unqualified ones for the first.
 */
function configuredRepos(env: Record<string, string | undefined>, of?: { host: string; first: boolean }): string[] {
  const repos = envSchema.shape.KUGETSU_REPOS.safeParse(env['KUGETSU_REPOS']);
  if (!repos.success) return [];
  return repos.data.filter((r) => !of || (r.host === undefined ? of.first : r.host === of.host)).map((r) => `${r.owner}/${r.name}`.toLowerCase());
}

/** The repositories in kugetsu's database (none when it is missing or unreadable: the database check says why). */
async function knownDatabaseRepos(database: DatabaseSetting | undefined): Promise<RepoRef[]> {
  try {
    if (database && (database.kind === 'postgres' || readSchemaVersion(database.file) !== undefined)) {
      const store = await openJobDb(database);
      try {
        return await store.knownRepos();
      } finally {
        await store.close();
      }
    }
  } catch {
    // the database check reports what is wrong with it
  }
  return [];
}

/** Repositories and organisations to check (one instance): `KUGETSU_REPOS`, the database's repositories, stored secrets. */
function knownTargets(stateDir: string, env: Record<string, string | undefined>, known: RepoRef[]): HookTarget[] {
  const keys = new Set<string>(configuredRepos(env));
  for (const r of known) keys.add(`${r.owner}/${r.name}`.toLowerCase());
  for (const key of Object.keys(readStoredSecrets(stateDir))) keys.add(key);
  return targetsOf(keys);
}

/** `--url` with an instances file: validated like `hooks install --url`; a bare origin stays bare (each instance adds its own path). */
function instanceHookUrl(text: string): string {
  const checked = webhookUrl(text);
  const given = new URL(text);
  return given.pathname === '/' && !given.search ? `${given.origin}/` : checked;
}

/** True when kugetsu can verify the target's deliveries: a stored, per-repository or global secret. */
function hasSecret(target: HookTarget, stateDir: string, globalSecrets: string[], env: Record<string, string | undefined>): boolean {
  const key = targetKey(target);
  const owner = key.split('/')[0]!;
  if (globalSecrets.length > 0 || storedSecretsFor(stateDir, key).length > 0 || storedSecretsFor(stateDir, `${owner}/*`).length > 0) return true;
  return hasConfiguredSecret(target, env);
}

/** True when `KUGETSU_REPO_SECRETS` names the target or its owner (`owner/*`). */
function hasConfiguredSecret(target: HookTarget, env: Record<string, string | undefined>): boolean {
  const key = targetKey(target);
  const owner = key.split('/')[0]!;
  const configured = (env['KUGETSU_REPO_SECRETS'] ?? '')
    .toLowerCase()
    .split(',')
    .map((s) => s.trim().split('=')[0]);
  return configured.includes(key) || configured.includes(`${owner}/*`);
}

/** {@link checkSignIn} over the configured instances; `undefined` when they cannot be read. */
function signInCheck(env: Record<string, string | undefined>, cwd: string): DoctorCheck | undefined {
  try {
    return checkSignIn(env, cliInstances(env, cwd));
  } catch {
    return undefined;
  }
}
