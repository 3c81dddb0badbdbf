import { targetKey } from '../admin/hook-target.js';
import { storedSecretsFor } from '../admin/stored-secrets.js';
import { CliError, EXIT } from './cli-error.js';
import { cliInstance } from './cli-instances.js';
import { readCliSettings } from './cli-settings.js';
import type { CommandContext } from './context.js';
import { parseTarget } from './hooks-install-command.js';
import { exitCodeOf, postDelivery } from './post-delivery.js';
import { printJson } from './output.js';

/**
 * `kugetsu hooks test <owner/repo> [--url]`: posts a signed `ping` delivery for the repository to a
 * running kugetsu, through the real ingress path, with the secret Gitea would use (the stored one
 * of the repository or its organisation, else the first of `KUGETSU_WEBHOOK_SECRET`). kugetsu
 * answers 200 "ignored" when the signature is accepted, 401 when not. Exit 0 on a 2xx.
 */
export async function hooksTestCommand(targetText: string, options: { url?: string; json?: boolean; instance?: string }, ctx: CommandContext): Promise<number> {
  const target = parseTarget(targetText);
  if (target.kind !== 'repo') throw new CliError(`hooks test needs a repository (owner/repo), got "${targetText}"`);
  const settings = readCliSettings(ctx.env, ctx.cwd);
  // Without --instance no Gitea setting is needed (the first instance, KUGETSU_WEBHOOK_SECRET).
  const chosen = options.instance === undefined ? undefined : cliInstance(ctx.env, ctx.cwd, options.instance);
  const prefix = chosen?.secretPrefix ?? '';
  const key = targetKey(target);
  const repoSecret = storedSecretsFor(settings.stateDir, `${prefix}${key}`)[0];
  const orgSecret = storedSecretsFor(settings.stateDir, `${prefix}${target.owner.toLowerCase()}/*`)[0];
  const stored = repoSecret ?? orgSecret;
  const secret = stored ?? (chosen ? chosen.instance.secrets[0] : settings.webhookSecrets[0]);
  // An organisation's stored secret belongs to its organisation hook: Gitea says so in a header.
  const hookTarget = repoSecret === undefined && orgSecret !== undefined ? ('organization' as const) : ('repository' as const);
  if (!secret) {
    throw new CliError(
      `no secret to sign with: none stored for ${key} and KUGETSU_WEBHOOK_SECRET is not set\n  → run kugetsu hooks install ${targetText} --url <public url>, or set KUGETSU_WEBHOOK_SECRET`,
    );
  }
  const body = JSON.stringify(pingPayload(target.owner, target.repo), null, 2);
  const answer = await postDelivery({
    url: options.url ?? settings.localUrl,
    body,
    eventType: 'ping',
    secret,
    hookTarget,
    ...(chosen ? { instance: chosen.instance.name } : {}),
    ...(ctx.fetch ? { fetch: ctx.fetch } : {}),
  });
  const code = exitCodeOf(answer.status);
  if (options.json) {
    printJson(ctx.output, { ...answer, secretSource: stored ? 'stored' : 'KUGETSU_WEBHOOK_SECRET' });
    return code;
  }
  const reason = typeof answer.body['reason'] === 'string' ? answer.body['reason'] : JSON.stringify(answer.body);
  if (code === EXIT.ok) {
    ctx.output.out(`✓ kugetsu accepted the signed ping for ${key} (${answer.status}: ${reason}); secret from ${stored ? 'the state dir' : 'KUGETSU_WEBHOOK_SECRET'}`);
  } else if (answer.status === 401) {
    ctx.output.err(
      `✗ kugetsu refused the ping (401: ${reason})\n  → the server does not know this secret: it reads stored secrets from its KUGETSU_STATE_DIR (${settings.stateDir} here) and KUGETSU_WEBHOOK_SECRET; check both match`,
    );
  } else {
    ctx.output.err(`✗ kugetsu answered ${answer.status}: ${reason}${code === EXIT.tryLater ? '\n  → it is busy or shutting down; try again later' : ''}`);
  }
  return code;
}

/** A Gitea-like `ping` body: what the ingress needs to pick the repository's secret. */
function pingPayload(owner: string, repo: string): Record<string, unknown> {
  return {
    zen: 'kugetsu hooks test',
    hook_id: 0,
    repository: { name: repo, full_name: `${owner}/${repo}`, owner: { login: owner, username: owner } },
    sender: { id: 0, login: 'kugetsu-cli', username: 'kugetsu-cli' },
  };
}
