import { readFileSync } from 'node:fs';
import path from 'node:path';
import { storedSecretsFor } from '../admin/stored-secrets.js';
import { CliError } from './cli-error.js';
import { readCliSettings } from './cli-settings.js';
import type { CommandContext } from './context.js';
import { eventTypeOf } from './event-type-of.js';
import { exitCodeOf, postDelivery } from './post-delivery.js';
import { printJson } from './output.js';

/** Options of `kugetsu replay`. */
export interface ReplayOptions {
  eventType?: string;
  url?: string;
  deliveryId?: string;
  json?: boolean;
}

/**
 * `kugetsu replay <file.json>`: sends a saved delivery body, byte for byte, to a running kugetsu's
 * `/webhooks/gitea` with Gitea's headers, signed with the first `KUGETSU_WEBHOOK_SECRET` (or, when
 * that is unset, the secret `hooks install` stored for the body's repository or organisation). The
 * event type comes from `--event-type` or the body's shape. Exit 0 on 2xx, 2 on 429/503, else 1.
 */
export async function replayCommand(file: string, options: ReplayOptions, ctx: CommandContext): Promise<number> {
  const settings = readCliSettings(ctx.env, ctx.cwd);
  let body: string;
  try {
    body = readFileSync(path.resolve(ctx.cwd, file), 'utf8');
  } catch (err) {
    throw new CliError(`cannot read ${file}: ${(err as Error).message}`);
  }
  let payload: unknown;
  try {
    payload = JSON.parse(body);
  } catch (err) {
    throw new CliError(`${file} is not JSON: ${(err as Error).message}\n  → save the delivery's body (Gitea: Settings → Webhooks → Recent deliveries → Request)`);
  }
  const eventType = options.eventType ?? eventTypeOf(payload);
  if (!eventType) throw new CliError(`cannot tell the event type of ${file} from its shape\n  → pass --event-type, e.g. --event-type issue_comment`);
  const repo = repositoryOf(payload);
  // The secret the server will check: the repository's own (or its organisation's) when stored,
  // else KUGETSU_WEBHOOK_SECRET (a repository with its own secret does not accept the global one).
  const repoSecret = repo ? storedSecretsFor(settings.stateDir, repo)[0] : undefined;
  const orgSecret = repo ? storedSecretsFor(settings.stateDir, `${repo.split('/')[0]}/*`)[0] : undefined;
  const secret = repoSecret ?? orgSecret ?? settings.webhookSecrets[0];
  // An organisation's stored secret belongs to its organisation hook: Gitea says so in a header.
  const hookTarget = repoSecret === undefined && orgSecret !== undefined ? ('organization' as const) : ('repository' as const);
  if (!secret)
    throw new CliError(
      "no secret to sign with\n  → set KUGETSU_WEBHOOK_SECRET to the secret kugetsu serve uses, or store the repository's own with kugetsu hooks secret owner/repo",
    );
  const answer = await postDelivery({
    url: options.url ?? settings.localUrl,
    body,
    eventType,
    secret,
    hookTarget,
    ...(options.deliveryId ? { deliveryId: options.deliveryId } : {}),
    ...(ctx.fetch ? { fetch: ctx.fetch } : {}),
  });
  const code = exitCodeOf(answer.status);
  if (options.json) {
    printJson(ctx.output, { eventType, ...answer });
    return code;
  }
  const summary = `${eventType} delivery ${answer.deliveryId} (${Buffer.byteLength(body)} bytes, signed) ← ${answer.status} ${JSON.stringify(answer.body)}`;
  if (code === 0) ctx.output.out(`✓ ${summary}`);
  else
    ctx.output.err(
      `✗ ${summary}${answer.status === 401 ? "\n  → KUGETSU_WEBHOOK_SECRET here differs from the server's" : code === 2 ? '\n  → kugetsu is busy or shutting down; try again later' : ''}`,
    );
  return code;
}

/** `owner/name` (lowercase) of the body's repository, as the ingress reads it. */
function repositoryOf(payload: unknown): string | undefined {
  const r = (payload as { repository?: { name?: unknown; owner?: { login?: unknown } } } | null)?.repository;
  return typeof r?.owner?.login === 'string' && typeof r.name === 'string' ? `${r.owner.login}/${r.name}`.toLowerCase() : undefined;
}
