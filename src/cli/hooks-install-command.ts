import { createHookApi } from '../admin/hook-api.js';
import { parseHookTarget, targetLabel } from '../admin/hook-target.js';
import { installHook } from '../admin/install-hook.js';
import { CliError, EXIT } from './cli-error.js';
import { cliInstance } from './cli-instances.js';
import { readCliSettings } from './cli-settings.js';
import type { CommandContext } from './context.js';
import { printJson } from './output.js';

/** Options of `kugetsu hooks install`. */
export interface HooksInstallOptions {
  url: string;
  rotateSecret?: boolean;
  json?: boolean;
  /** The instance (KUGETSU_INSTANCES_FILE) whose repository gets the hook; default the first. */
  instance?: string;
}

/**
 * `kugetsu hooks install <owner/repo | org> --url <public url>`: creates or repairs kugetsu's
 * webhook (see `installHook`) and stores its secret under the state dir. Returns the exit code.
 */
export async function hooksInstallCommand(targetText: string, options: HooksInstallOptions, ctx: CommandContext): Promise<number> {
  const target = parseTarget(targetText);
  const { instance, secretPrefix } = cliInstance(ctx.env, ctx.cwd, options.instance);
  const url = webhookUrl(options.url, options.instance === undefined ? 'gitea' : instance.name);
  const { stateDir } = readCliSettings(ctx.env, ctx.cwd);
  const api = createHookApi({ baseUrl: instance.url, token: instance.token, ...(ctx.fetch ? { fetch: ctx.fetch } : {}) }, target);
  const outcome = await installHook(api, { stateDir, target, url, rotate: options.rotateSecret ?? false, hookType: instance.kind, secretPrefix });
  if (options.json) {
    printJson(ctx.output, outcome);
    return EXIT.ok;
  }
  const where = `${targetLabel(target)}${options.instance === undefined ? '' : ` (instance ${instance.name})`}`;
  const said = {
    created: `created hook ${outcome.hook.id} on ${where}`,
    kept: `hook ${outcome.hook.id} on ${where} is already right; nothing changed`,
    repaired: `repaired hook ${outcome.hook.id} on ${where} (${outcome.problems.join('; ')})`,
    replaced: `replaced hook${outcome.deleted.length > 1 ? 's' : ''} ${outcome.deleted.join(', ')} on ${where} by hook ${outcome.hook.id} with a new secret (${outcome.problems.join('; ')})`,
  }[outcome.action];
  ctx.output.out(`✓ ${said}`);
  if (outcome.action !== 'replaced' && outcome.deleted.length > 0) ctx.output.out(`  deleted duplicate hook(s) with the same URL: ${outcome.deleted.join(', ')}`);
  ctx.output.out(`  url: ${outcome.hook.url}  events: issues, issue_comment, pull_request, pull_request_review  active: ${outcome.hook.active}`);
  ctx.output.out(`  secret stored in ${outcome.secretFile} (a running kugetsu reads it on the next delivery)`);
  return EXIT.ok;
}

/** Parses the target argument or fails with a {@link CliError}. */
export function parseTarget(text: string) {
  try {
    return parseHookTarget(text);
  } catch (err) {
    throw new CliError(`${(err as Error).message}\n  → e.g. kugetsu hooks install acme/app --url https://kugetsu.example.com/webhooks/gitea`);
  }
}

/**
 * The hook URL from `--url`: must be http(s); a bare origin gets kugetsu's webhook path of the
 * instance called `name` (`https://k.example.com` → `https://k.example.com/webhooks/gitea`, or
 * `/webhooks/codeberg` with `--instance codeberg`).
 */
export function webhookUrl(text: string | undefined, name = 'gitea'): string {
  let url: URL;
  try {
    url = new URL(text ?? '');
  } catch {
    throw new CliError(`--url "${text ?? ''}" is not a URL\n  → pass the address Gitea can reach kugetsu at, e.g. --url https://kugetsu.example.com/webhooks/gitea`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new CliError(`--url must be http:// or https://, got ${url.protocol}`);
  if (url.pathname === '/' && !url.search) return `${url.origin}/webhooks/${name}`;
  return url.href;
}
