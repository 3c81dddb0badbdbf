import { Command, CommanderError } from 'commander';
import { processContext, runAction, type CommandContext } from './context.js';
import { doctorCommand } from './doctor-command.js';
import { registerHooksCommands } from './hooks-register.js';
import { instancesListCommand } from './instances-list-command.js';
import { registerJobsCommands } from './jobs-register.js';
import { replayCommand } from './replay-command.js';

/**
 * Runs one `kugetsu …` command line against `ctx` and resolves with its exit code (0 ok, 1 error,
 * 2 capacity reached / try later); never calls `process.exit` itself except in `serve`. Help and
 * usage errors go to `ctx.output`.
 */
export async function runCli(argv: string[], ctx: CommandContext): Promise<number> {
  let code = 0;
  const done = (c: number) => void (code = c);
  const program = new Command()
    .name('kugetsu')
    .description('Hand Gitea issues and pull requests to coding agents.')
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: (s) => ctx.output.out(s.replace(/\n$/, '')), writeErr: (s) => ctx.output.err(s.replace(/\n$/, '')) })
    .addHelpText('after', '\nExit codes: 0 ok, 1 error, 2 capacity reached / try later.\nSettings come from the environment (README "Configuration"); read commands take --json.');
  program
    .command('serve')
    .description(
      'Start the webhook server (POST /webhooks/gitea, GET /healthz) and, unless --no-worker, a worker that runs agent turns. Settings come from the environment; see README "Configuration".',
    )
    .option('--grace <seconds>', 'on SIGTERM/SIGINT, how long running agents may finish before they are checkpointed (default: KUGETSU_SHUTDOWN_GRACE_S, 30)', (v) => Number(v))
    .option('--no-worker', 'answer deliveries and admit jobs only; `kugetsu worker` processes (sharing KUGETSU_DATABASE_URL) run the agents')
    .addHelpText(
      'after',
      '\nExamples:\n  $ kugetsu serve                 # one process does everything (embedded SQLite by default)\n  $ kugetsu serve --no-worker     # the ingress of a scaled-out installation (README "Scaling out")',
    )
    .action(async (opts: { grace?: number; worker?: boolean }) => {
      // Loaded on demand: the service's modules are not needed by the other subcommands.
      const { serveCommand } = await import('./serve-command.js');
      await serveCommand({ graceS: opts.grace, role: opts.worker === false ? 'ingress' : 'all' });
    });
  program
    .command('worker')
    .description('Run a worker: claim jobs from the shared engine and run their agent turns (KUGETSU_MAX_AGENTS at once). GET /healthz and /metrics on PORT when PORT is set.')
    .option('--grace <seconds>', 'on SIGTERM/SIGINT, how long running agents may finish before they are checkpointed (default: KUGETSU_SHUTDOWN_GRACE_S, 30)', (v) => Number(v))
    .addHelpText('after', '\nExample:\n  $ KUGETSU_DATABASE_URL=postgres://kugetsu@db/kugetsu KUGETSU_MAX_AGENTS=2 kugetsu worker')
    .action(async (opts: { grace?: number }) => {
      const { serveCommand } = await import('./serve-command.js');
      await serveCommand({ graceS: opts.grace, role: 'worker' });
    });
  registerHooksCommands(program, ctx, done);
  registerJobsCommands(program, ctx, done);
  program
    .command('instances')
    .description('The Gitea and Forgejo instances kugetsu serves (KUGETSU_INSTANCES_FILE, or the one of GITEA_URL).')
    .command('list')
    .option('--json', 'print the instances as JSON')
    .description("List each instance: name, URL, kind, whether it answers (GET /api/v1/version) and its token's user (GET /api/v1/user). Exit 1 when one fails.")
    .addHelpText('after', '\nExamples:\n  $ kugetsu instances list\n  $ KUGETSU_INSTANCES_FILE=instances.yaml kugetsu instances list --json')
    .action(async (opts: { json?: boolean }) => done(await runAction(ctx, 'instances list', () => instancesListCommand(opts, ctx))));
  program
    .command('doctor')
    .option('--url <url>', 'the hook URL to expect (default: any hook posting to /webhooks/gitea)')
    .option('--json', 'print the checks as JSON')
    .description(
      "Check Gitea (reachable, the token's user and scopes), each known repository's hook, git, the agent binary, ripgrep and the state dir; print what to fix. Exit 1 when a check failed.",
    )
    .addHelpText(
      'after',
      "\nExamples:\n  $ kugetsu doctor\n  $ kugetsu doctor --url https://kugetsu.example.com/webhooks/gitea --json\n\nRepositories checked: KUGETSU_REPOS, those in the database, those with a stored secret. With KUGETSU_INSTANCES_FILE every instance is checked, each line naming it; --url https://kugetsu.example.com then expects each instance's own /webhooks/<name> on that origin.",
    )
    .action(async (opts: { url?: string; json?: boolean }) => done(await runAction(ctx, 'doctor', () => doctorCommand(opts, ctx))));
  program
    .command('replay')
    .argument('<file>', 'a saved delivery body (JSON)')
    .option('--event-type <type>', 'X-Gitea-Event-Type to send (default: judged from the body, e.g. issue_comment)')
    .option('--url <url>', 'where kugetsu listens (default http://127.0.0.1:$PORT)')
    .option('--delivery-id <id>', "X-Gitea-Delivery to send (default: a new UUID, as Gitea's Redeliver does)")
    .option('--json', 'print the answer as JSON')
    .description("Send a saved delivery through the local kugetsu's webhook path, signed with KUGETSU_WEBHOOK_SECRET, with Gitea's headers.")
    .addHelpText(
      'after',
      '\nExamples:\n  $ kugetsu replay fixtures/gitea/goplayground__issue-comment-event.json\n  $ kugetsu replay body.json --event-type pull_request_review_rejected --url http://127.0.0.1:9000\n\nExit codes: 0 on 2xx, 2 when kugetsu answers 429/503 or is not running, 1 otherwise.',
    )
    .action(async (file: string, opts: { eventType?: string; url?: string; deliveryId?: string; json?: boolean }) =>
      done(await runAction(ctx, 'replay', () => replayCommand(file, opts, ctx))),
    );
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 1;
    throw err;
  }
  return code;
}

/** The `kugetsu` command line (bin/kugetsu.js). Exit codes: 0 ok, 1 error, 2 capacity reached / try later. */
export async function main(argv: string[] = process.argv): Promise<void> {
  process.exitCode = await runCli(argv, processContext());
}
