import { targetKey, targetLabel } from '../admin/hook-target.js';
import { generateSecret, storedSecretsFor, writeStoredSecret } from '../admin/stored-secrets.js';
import { EXIT } from './cli-error.js';
import { cliInstance } from './cli-instances.js';
import { readCliSettings } from './cli-settings.js';
import type { CommandContext } from './context.js';
import { parseTarget } from './hooks-install-command.js';
import { printJson } from './output.js';

/** Options of `kugetsu hooks secret`. */
export interface HooksSecretOptions {
  /** Replace the stored secret with a new one (the hook in Gitea must then be given the new one). */
  rotate?: boolean;
  json?: boolean;
  /** The instance (KUGETSU_INSTANCES_FILE) the repository lives on; default the first. */
  instance?: string;
}

/**
 * `kugetsu hooks secret <owner/repo | org> [--rotate]`: the webhook secret of one repository (or
 * organisation) for a hook made by hand in Gitea's web UI. Prints the stored secret, generating
 * and storing one (32 random bytes, hex, `<state>/secrets/…`, mode 0600) when there is none or
 * when `--rotate` is given. The server reads it on the next delivery; from then on that
 * repository accepts only its own secret (or its organisation's), never `KUGETSU_WEBHOOK_SECRET`.
 * With `--instance <name>` the secret is that instance's (stored under `<state>/secrets/@<host>/`
 * for an instance after the first, where `kugetsu serve` reads it for `/webhooks/<name>`); only
 * the instances file is read, no server is called. Returns the exit code.
 */
export async function hooksSecretCommand(targetText: string, options: HooksSecretOptions, ctx: CommandContext): Promise<number> {
  const target = parseTarget(targetText);
  const { stateDir } = readCliSettings(ctx.env, ctx.cwd);
  // Without --instance no Gitea setting is needed (the first instance's secrets, as always).
  const chosen = options.instance === undefined ? undefined : cliInstance(ctx.env, ctx.cwd, options.instance);
  const key = targetKey(target);
  const stored = `${chosen?.secretPrefix ?? ''}${key}`;
  const existing = storedSecretsFor(stateDir, stored)[0];
  const created = existing === undefined || options.rotate === true;
  const secret = created ? generateSecret() : existing;
  const file = created ? writeStoredSecret(stateDir, stored, secret) : undefined;
  if (options.json) {
    printJson(ctx.output, { target: key, ...(chosen ? { instance: chosen.instance.name } : {}), secret, created, ...(file ? { secretFile: file } : {}) });
    return EXIT.ok;
  }
  const where = `${targetLabel(target)}${chosen ? ` (instance ${chosen.instance.name})` : ''}`;
  ctx.output.out(secret);
  ctx.output.err(
    [
      created ? `✓ ${existing === undefined ? 'generated' : 'rotated'} the webhook secret of ${where} and stored it in ${file}` : `✓ the stored webhook secret of ${where}`,
      `  → paste it as the Secret of ${where}'s kugetsu webhook in ${chosen?.instance.kind === 'forgejo' ? 'Forgejo' : 'Gitea'} (Settings → Webhooks)${created && existing !== undefined ? '; the old secret no longer works' : ''}`,
      `  → a running kugetsu reads it on the next delivery; ${where} then accepts only this secret`,
    ].join('\n'),
  );
  return EXIT.ok;
}
