import type { Command } from 'commander';
import type { CommandContext } from './context.js';
import { runAction } from './context.js';
import { hooksInstallCommand } from './hooks-install-command.js';
import { hooksListCommand, hooksRemoveCommand } from './hooks-list-command.js';
import { hooksSecretCommand } from './hooks-secret-command.js';
import { hooksTestCommand } from './hooks-test-command.js';

/** Adds `kugetsu hooks install|secret|list|remove|test` (each with `--instance <name>`) to `program`; each action's exit code goes to `done`. */
export function registerHooksCommands(program: Command, ctx: CommandContext, done: (code: number) => void): void {
  const hooks = program
    .command('hooks')
    .description(
      "Create, repair, list, remove and test kugetsu's Gitea webhook on a repository or organisation, or print the secret for a hook made by hand. Needs GITEA_URL and GITEA_TOKEN, or KUGETSU_INSTANCES_FILE (the bot must be an admin of the repository), except `hooks secret`; every subcommand takes --instance <name>.",
    )
    .addHelpText(
      'after',
      '\nExamples:\n  $ kugetsu hooks install acme/app --url https://kugetsu.example.com/webhooks/gitea\n  $ kugetsu hooks list acme/app\n  $ kugetsu hooks test acme/app\n  $ kugetsu hooks remove acme/app --url https://kugetsu.example.com/webhooks/gitea',
    );
  hooks
    .command('install')
    .argument('<target>', 'owner/repo, or an organisation name for an organisation hook')
    .option('--instance <name>', 'the instance (KUGETSU_INSTANCES_FILE) the repository lives on; default the first')
    .requiredOption('--url <url>', "the public URL Gitea posts to (a bare origin gets kugetsu's path /webhooks/gitea, or /webhooks/<name> with --instance)")
    .option('--rotate-secret', 'make a new secret even when the hook is right (a new hook replaces the old one)')
    .option('--json', 'print the outcome as JSON')
    .description(
      'Create the webhook, or repair it (events issues, issue_comment, pull_request, pull_request_review; JSON; active) — idempotent. Its generated secret is stored in <KUGETSU_STATE_DIR>/secrets/, where the server reads it.',
    )
    .addHelpText(
      'after',
      `
Examples:
  $ kugetsu hooks install acme/app --url https://kugetsu.example.com/webhooks/gitea
  $ kugetsu hooks install acme --url https://kugetsu.example.com       # organisation hook
  $ kugetsu hooks install acme/app --url https://kugetsu.example.com --rotate-secret
  $ kugetsu hooks install acme/app --url https://kugetsu.example.com --instance codeberg   # → /webhooks/codeberg

Running it again keeps a right hook as it is, repairs a wrong one with one edit (the full events
list), and replaces a hook whose secret kugetsu does not have (Gitea cannot change a secret by an
edit). Exactly one hook with that URL is left.`,
    )
    .action(async (target: string, opts: { url: string; rotateSecret?: boolean; json?: boolean; instance?: string }) =>
      done(await runAction(ctx, 'hooks install', () => hooksInstallCommand(target, opts, ctx))),
    );
  hooks
    .command('secret')
    .argument('<target>', 'owner/repo, or an organisation name for an organisation hook')
    .option('--instance <name>', 'the instance (KUGETSU_INSTANCES_FILE) the repository lives on; default the first')
    .option('--rotate', 'replace the stored secret with a new one')
    .option('--json', 'print the secret and where it is stored as JSON')
    .description(
      'Print the webhook secret of a repository (or organisation) for a hook made by hand, generating and storing one when there is none. The repository then accepts only its own secret.',
    )
    .addHelpText(
      'after',
      `
Examples:
  $ kugetsu hooks secret acme/app            # prints the secret on stdout; paste it into the hook's Secret field
  $ kugetsu hooks secret acme                # an organisation hook's secret
  $ kugetsu hooks secret acme/app --rotate   # a new secret (give the hook the new one)
  $ kugetsu hooks secret acme/app --instance codeberg   # the secret of acme/app on instance codeberg

The secret is stored in <KUGETSU_STATE_DIR>/secrets/ (mode 0600), where the server reads it.`,
    )
    .action(async (target: string, opts: { rotate?: boolean; json?: boolean; instance?: string }) =>
      done(await runAction(ctx, 'hooks secret', () => hooksSecretCommand(target, opts, ctx))),
    );
  hooks
    .command('list')
    .argument('<target>', 'owner/repo or organisation')
    .option('--instance <name>', 'the instance (KUGETSU_INSTANCES_FILE) the repository lives on; default the first')
    .option('--json', 'print the hooks as JSON')
    .description("List the webhooks, marking kugetsu's (✓ right, ✗ what is wrong), and whether a secret is stored.")
    .addHelpText('after', '\nExample:\n  $ kugetsu hooks list acme/app --json')
    .action(async (target: string, opts: { json?: boolean; instance?: string }) => done(await runAction(ctx, 'hooks list', () => hooksListCommand(target, opts, ctx))));
  hooks
    .command('remove')
    .argument('<target>', 'owner/repo or organisation')
    .option('--instance <name>', 'the instance (KUGETSU_INSTANCES_FILE) the repository lives on; default the first')
    .requiredOption('--url <url>', "remove the hooks posting to this URL (a bare origin: kugetsu's path, /webhooks/<name> with --instance)")
    .option('--json', 'print the outcome as JSON')
    .description('Delete the webhooks posting to --url (and forget the stored secret when no kugetsu hook is left).')
    .addHelpText(
      'after',
      '\nExamples:\n  $ kugetsu hooks remove acme/app --url https://kugetsu.example.com/webhooks/gitea\n  $ kugetsu hooks remove acme/app --url https://kugetsu.example.com --instance codeberg   # → /webhooks/codeberg',
    )
    .action(async (target: string, opts: { url: string; json?: boolean; instance?: string }) =>
      done(await runAction(ctx, 'hooks remove', () => hooksRemoveCommand(target, opts, ctx))),
    );
  hooks
    .command('test')
    .argument('<target>', 'owner/repo')
    .option('--instance <name>', 'the instance (KUGETSU_INSTANCES_FILE) the repository lives on; default the first')
    .option('--url <url>', 'where kugetsu listens (default http://127.0.0.1:$PORT)')
    .option('--json', 'print the answer as JSON')
    .description("Send a signed ping for the repository through a running kugetsu's real webhook path, with the secret Gitea would use; shows whether kugetsu accepts it.")
    .addHelpText(
      'after',
      '\nExamples:\n  $ kugetsu hooks test acme/app\n  $ kugetsu hooks test acme/app --url http://127.0.0.1:8080\n\nExit codes: 0 accepted, 1 refused (e.g. 401: the server does not know the secret), 2 busy or not running.',
    )
    .action(async (target: string, opts: { url?: string; json?: boolean; instance?: string }) =>
      done(await runAction(ctx, 'hooks test', () => hooksTestCommand(target, opts, ctx))),
    );
}
