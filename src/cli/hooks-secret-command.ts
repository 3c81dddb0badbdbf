import { targetKey, targetLabel } from '../admin/hook-target.js';
import { generateSecret, storedSecretsFor, writeStoredSecret } from '../admin/stored-secrets.js';
import { EXIT } from './cli-error.js';
import { readCliSettings } from './cli-settings.js';
import type { CommandContext } from './context.js';
import { parseTarget } from './hooks-install-command.js';
import { printJson } from './output.js';

/** Options of `kugetsu hooks secret`. */
export interface HooksSecretOptions {
  /** Replace the stored secret with a new one (the hook in Gitea must then be given the new one). */
  rotate?: boolean;
  json?: boolean;
}

/**
 * `kugetsu hooks secret <owner/repo | org> [--rotate]`: the webhook secret of one repository (or
 * organisation) for a hook made by hand in Gitea's web UI. Prints the stored secret, generating
 * and storing one (32 random bytes, hex, `<state>/secrets/…`, mode 0600) when there is none or
 * when `--rotate` is given. The server reads it on the next delivery; from then on that
 * repository accepts only its own secret (or its organisation's), never `KUGETSU_WEBHOOK_SECRET`.
 * Returns the exit code.
 */
export async function hooksSecretCommand(targetText: string, options: HooksSecretOptions, ctx: CommandContext): Promise<number> {
  const target = parseTarget(targetText);
  const { stateDir } = readCliSettings(ctx.env, ctx.cwd);
  const key = targetKey(target);
  const existing = storedSecretsFor(stateDir, key)[0];
  const created = existing === undefined || options.rotate === true;
  const secret = created ? generateSecret() : existing;
  const file = created ? writeStoredSecret(stateDir, key, secret) : undefined;
  if (options.json) {
    printJson(ctx.output, { target: key, secret, created, ...(file ? { secretFile: file } : {}) });
    return EXIT.ok;
  }
  const where = targetLabel(target);
  ctx.output.out(secret);
  ctx.output.err(
    [
      created ? `✓ ${existing === undefined ? 'generated' : 'rotated'} the webhook secret of ${where} and stored it in ${file}` : `✓ the stored webhook secret of ${where}`,
      `  → paste it as the Secret of ${where}'s kugetsu webhook in Gitea (Settings → Webhooks)${created && existing !== undefined ? '; the old secret no longer works' : ''}`,
      `  → a running kugetsu reads it on the next delivery; ${where} then accepts only this secret`,
    ].join('\n'),
  );
  return EXIT.ok;
}
