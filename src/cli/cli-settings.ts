import path from 'node:path';
import { envSchema, type DatabaseSetting } from '../config/config.js';
import { databaseSetting } from '../config/load-config.js';
import { CliError } from './cli-error.js';

/** The settings the `kugetsu` subcommands read, each taken alone (a command needs only some). */
export interface CliSettings {
  env: Record<string, string | undefined>;
  /** Absolute `KUGETSU_STATE_DIR` (default `./.kugetsu`). */
  stateDir: string;
  /** `http://127.0.0.1:<PORT>`: where a local `kugetsu serve` listens (default port 8080). */
  localUrl: string;
  /** `KUGETSU_WEBHOOK_SECRET`, split at commas. */
  webhookSecrets: string[];
}

/**
 * Reads the settings of the subcommands from `env` with the same zod schema as `kugetsu serve`, but
 * one variable at a time: `kugetsu jobs` works without `GITEA_TOKEN`, `hooks install` without
 * `KUGETSU_WEBHOOK_SECRET`. Relative paths are resolved against `cwd`.
 */
export function readCliSettings(env: Record<string, string | undefined>, cwd: string): CliSettings {
  const shape = envSchema.shape;
  const stateDir = path.resolve(cwd, field(shape.KUGETSU_STATE_DIR, env, 'KUGETSU_STATE_DIR'));
  const port = field(shape.PORT, env, 'PORT');
  const webhookSecrets = field(shape.KUGETSU_WEBHOOK_SECRET, env, 'KUGETSU_WEBHOOK_SECRET');
  return { env, stateDir, localUrl: `http://127.0.0.1:${port}`, webhookSecrets };
}

/**
 * The job store's database for the subcommands that read it: `KUGETSU_DATABASE_URL` (PostgreSQL)
 * when set, else `<KUGETSU_STATE_DIR>/kugetsu.db`. Read on its own so that a bad URL stops only
 * the commands that need the database. Throws a {@link CliError} (never repeating the URL, which may
 * hold a password) for a value that is not a postgres:// URL.
 */
export function cliDatabase(env: Record<string, string | undefined>, cwd: string): DatabaseSetting {
  const { stateDir } = readCliSettings(env, cwd);
  return databaseSetting(field(envSchema.shape.KUGETSU_DATABASE_URL, env, 'KUGETSU_DATABASE_URL'), stateDir);
}

/** `GITEA_URL` and `GITEA_TOKEN`, or a {@link CliError} saying how to set them. */
export function giteaSettings(env: Record<string, string | undefined>): { baseUrl: string; token: string } {
  const shape = envSchema.shape;
  return { baseUrl: field(shape.GITEA_URL, env, 'GITEA_URL'), token: field(shape.GITEA_TOKEN, env, 'GITEA_TOKEN') };
}

function field<T>(
  schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: Array<{ message: string }> } } },
  env: Record<string, string | undefined>,
  name: string,
): T {
  const parsed = schema.safeParse(env[name]);
  if (parsed.success) return parsed.data;
  const message = parsed.error.issues[0]?.message ?? 'invalid';
  throw new CliError(`${message.startsWith(name) ? message : `${name}: ${message}`}\n  → set ${name} in the environment (see README "Configuration")`);
}
