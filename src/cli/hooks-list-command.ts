import { createHookApi } from '../admin/hook-api.js';
import { hookProblems } from '../admin/hook-spec.js';
import { targetKey, targetLabel } from '../admin/hook-target.js';
import { deleteStoredSecret, storedSecretsFor } from '../admin/stored-secrets.js';
import { CliError, EXIT } from './cli-error.js';
import { cliInstance, kugetsuHookPaths } from './cli-instances.js';
import { readCliSettings } from './cli-settings.js';
import type { CommandContext } from './context.js';
import { parseTarget, webhookUrl } from './hooks-install-command.js';
import { printJson } from './output.js';

/**
 * `kugetsu hooks list <target>`: every webhook of the repository or organisation, with what is
 * wrong for kugetsu's own (those posting to `/webhooks/gitea`) and whether a secret is stored.
 */
export async function hooksListCommand(targetText: string, options: { json?: boolean; instance?: string }, ctx: CommandContext): Promise<number> {
  const target = parseTarget(targetText);
  const { stateDir } = readCliSettings(ctx.env, ctx.cwd);
  const chosen = cliInstance(ctx.env, ctx.cwd, options.instance);
  const { instance, secretPrefix } = chosen;
  const api = createHookApi({ baseUrl: instance.url, token: instance.token, ...(ctx.fetch ? { fetch: ctx.fetch } : {}) }, target);
  const paths = kugetsuHookPaths(chosen);
  const hooks = (await api.list()).map((h) => {
    const kugetsu = paths.some((p) => new URL(h.url, 'http://x').pathname.endsWith(p));
    return { ...h, kugetsu, problems: kugetsu ? hookProblems(h, instance.kind) : [] };
  });
  const secretStored = storedSecretsFor(stateDir, `${secretPrefix}${targetKey(target)}`).length > 0;
  if (options.json) {
    printJson(ctx.output, { target: targetKey(target), secretStored, hooks });
    return EXIT.ok;
  }
  const flag = options.instance === undefined ? '' : ` --instance ${instance.name}`;
  if (hooks.length === 0) ctx.output.out(`${targetLabel(target)} has no webhooks. Add kugetsu's: kugetsu hooks install ${targetText} --url <public url>${flag}`);
  for (const h of hooks) {
    const mark = !h.kugetsu ? '·' : h.problems.length === 0 ? '✓' : '✗';
    ctx.output.out(
      `${mark} ${h.id}  ${h.url}  ${h.active ? 'active' : 'inactive'}  ${h.contentType}  ${h.events.length} events${h.problems.length ? `  — ${h.problems.join('; ')}` : ''}`,
    );
  }
  ctx.output.out(`secret for ${targetKey(target)}: ${secretStored ? 'stored' : 'not stored (KUGETSU_WEBHOOK_SECRET must match the hook)'}`);
  if (hooks.some((h) => h.problems.length > 0)) ctx.output.out(`  → fix with: kugetsu hooks install ${targetText} --url <the hook's url>${flag}`);
  return EXIT.ok;
}

/**
 * `kugetsu hooks remove <target> --url <url> [--instance <name>]`: deletes the hooks posting to
 * that URL on the instance (`--instance`, default the first; its URL and token). The stored secret
 * of the target on that instance is forgotten too once none of its hooks posts to one of kugetsu's
 * paths for that instance (`/webhooks/<name>`, and `/webhooks/gitea` for the first) any more.
 */
export async function hooksRemoveCommand(targetText: string, options: { url: string; json?: boolean; instance?: string }, ctx: CommandContext): Promise<number> {
  const target = parseTarget(targetText);
  const chosen = cliInstance(ctx.env, ctx.cwd, options.instance);
  const { instance, secretPrefix } = chosen;
  const url = webhookUrl(options.url, options.instance === undefined ? 'gitea' : instance.name);
  const { stateDir } = readCliSettings(ctx.env, ctx.cwd);
  const api = createHookApi({ baseUrl: instance.url, token: instance.token, ...(ctx.fetch ? { fetch: ctx.fetch } : {}) }, target);
  const hooks = await api.list();
  const doomed = hooks.filter((h) => h.url === url);
  const where = `${targetLabel(target)}${options.instance === undefined ? '' : ` (instance ${instance.name})`}`;
  if (doomed.length === 0) {
    const flag = options.instance === undefined ? '' : ` --instance ${instance.name}`;
    throw new CliError(`${where} has no hook posting to ${url}\n  → see its hooks with: kugetsu hooks list ${targetText}${flag}`);
  }
  for (const h of doomed) await api.remove(h.id);
  const paths = kugetsuHookPaths(chosen);
  const others = hooks.filter((h) => !doomed.includes(h) && paths.some((p) => new URL(h.url, 'http://x').pathname.endsWith(p)));
  const secretRemoved = others.length === 0 && deleteStoredSecret(stateDir, `${secretPrefix}${targetKey(target)}`);
  if (options.json) {
    printJson(ctx.output, { target: targetKey(target), deleted: doomed.map((h) => h.id), secretRemoved });
    return EXIT.ok;
  }
  ctx.output.out(`✓ deleted hook${doomed.length > 1 ? 's' : ''} ${doomed.map((h) => h.id).join(', ')} (${url}) from ${where}`);
  if (secretRemoved) ctx.output.out(`  forgot the stored secret of ${targetKey(target)}`);
  return EXIT.ok;
}
