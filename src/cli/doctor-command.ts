import { storedSecretsFor, readStoredSecrets } from '../admin/stored-secrets.js';
import { targetKey, type HookTarget } from '../admin/hook-target.js';
import { envSchema } from '../config/config.js';
import { type CliError, EXIT } from './cli-error.js';
import { cliInstances } from './cli-instances.js';
import { cliDatabase, giteaSettings, readCliSettings } from './cli-settings.js';
import { checkInstance } from './doctor-instance-checks.js';
import { checkPostgresDatabase } from './doctor-postgres-check.js';
import type { CommandContext } from './context.js';
import { fail, type DoctorCheck } from './doctor-check.js';
import { checkGiteaVersion, checkHook, checkScopes, checkToken, targetsOf } from './doctor-gitea-checks.js';
import { checkSandbox } from './doctor-sandbox-check.js';
import { checkAgent, checkConfig, checkGit, checkRipgrep, checkServer, checkStateDir } from './doctor-local-checks.js';
import { openJobDb, readSchemaVersion } from './job-db.js';
import type { DatabaseSetting } from '../config/config.js';
import { webhookUrl } from './hooks-install-command.js';
import { printJson } from './output.js';

const MARK = { ok: '✓', fail: '✗', warn: '!' } as const;

/**
 * `kugetsu doctor [--url <hook url>]`: checks the configuration, Gitea (reachable, the token's
 * user and scopes), the hook of every repository kugetsu knows (`KUGETSU_REPOS`, repositories in
 * the database, stored secrets), git, the agent binary, the agent sandbox (a real bubblewrap probe), ripgrep, the state dir and its database,
 * and whether a server answers locally. One line per check with ✓, ✗ or ! (a warning) and what to
 * fix. Returns 1 when any check failed, else 0.
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

  let access: { baseUrl: string; token: string; fetch?: typeof fetch } | undefined;
  // An instances file: the first instance's checks passed (ok) or not, done with the others.
  let firstChecked: DoctorCheck | undefined;
  let first: { secrets: string[]; hookType: 'gitea' | 'forgejo'; paths: string[] } = { secrets: settings.webhookSecrets, hookType: 'gitea', paths: ['/webhooks/gitea'] };
  if (ctx.env['KUGETSU_INSTANCES_FILE']) {
    // Several instances: each one's reachability, token user and webhook secret; hooks on the first.
    try {
      const instances = cliInstances(ctx.env, ctx.cwd);
      for (const [i, instance] of instances.entries()) {
        const own = await checkInstance(instance, i === 0 ? '' : `@${instance.host}/`, settings.stateDir, ctx.fetch);
        checks.push(...own);
        if (i === 0) firstChecked = own.some((c) => c.name.startsWith('token ') && c.status === 'ok') ? own[0]! : fail('instance', 'the first instance failed', 'see above');
      }
      first = { secrets: instances[0]!.secrets, hookType: instances[0]!.kind, paths: ['/webhooks/gitea', `/webhooks/${instances[0]!.name}`] };
      access = { baseUrl: instances[0]!.url, token: instances[0]!.token, ...(ctx.fetch ? { fetch: ctx.fetch } : {}) };
    } catch (err) {
      checks.push(fail('instances', (err as CliError).message, 'fix KUGETSU_INSTANCES_FILE (README "Several instances")'));
    }
  } else {
    try {
      access = { ...giteaSettings(ctx.env), ...(ctx.fetch ? { fetch: ctx.fetch } : {}) };
    } catch (err) {
      checks.push(fail('gitea', (err as CliError).message.split('\n')[0]!, 'set GITEA_URL and GITEA_TOKEN'));
    }
  }
  if (access) {
    // With an instances file the first instance's reachability and token were checked above.
    const reach = firstChecked ?? (await checkGiteaVersion(access));
    if (!firstChecked) checks.push(reach);
    if (reach.status === 'ok') {
      const token = firstChecked ?? (await checkToken(access));
      if (!firstChecked) checks.push(token);
      if (token.status === 'ok') {
        const targets = await knownTargets(settings.stateDir, ctx.env, database, new URL(access.baseUrl).host.toLowerCase());
        checks.push(await checkScopes(access, targets));
        for (const target of targets) checks.push(await checkHook(access, target, url, hasSecret(target, settings.stateDir, first.secrets, ctx.env), first));
      }
    }
  }
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
 * Repositories and organisations of the first instance (host `firstHost`) to check: `KUGETSU_REPOS`
 * (unqualified entries and those of that host), the database's repositories of that instance, stored secrets.
 */
async function knownTargets(stateDir: string, env: Record<string, string | undefined>, database: DatabaseSetting | undefined, firstHost: string): Promise<HookTarget[]> {
  const keys = new Set<string>();
  const repos = envSchema.shape.KUGETSU_REPOS.safeParse(env['KUGETSU_REPOS']);
  if (repos.success) for (const r of repos.data) if (r.host === undefined || r.host === firstHost) keys.add(`${r.owner}/${r.name}`.toLowerCase());
  try {
    if (database && (database.kind === 'postgres' || readSchemaVersion(database.file) !== undefined)) {
      const store = await openJobDb(database);
      try {
        // Repositories of the other instances (`instance` set) are not on the first.
        for (const r of await store.knownRepos()) if (!r.instance) keys.add(`${r.owner}/${r.name}`.toLowerCase());
      } finally {
        await store.close();
      }
    }
  } catch {
    // the database check reports what is wrong with it
  }
  for (const key of Object.keys(readStoredSecrets(stateDir))) keys.add(key);
  return targetsOf(keys);
}

/** True when kugetsu can verify the target's deliveries: a stored, per-repository or global secret. */
function hasSecret(target: HookTarget, stateDir: string, globalSecrets: string[], env: Record<string, string | undefined>): boolean {
  const key = targetKey(target);
  const owner = key.split('/')[0]!;
  if (globalSecrets.length > 0 || storedSecretsFor(stateDir, key).length > 0 || storedSecretsFor(stateDir, `${owner}/*`).length > 0) return true;
  const configured = (env['KUGETSU_REPO_SECRETS'] ?? '')
    .toLowerCase()
    .split(',')
    .map((s) => s.trim().split('=')[0]);
  return configured.includes(key) || configured.includes(`${owner}/*`);
}
