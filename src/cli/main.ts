import { Command } from 'commander';
import { serveCommand } from './serve-command.js';

/** The `kugetsu` command line. Exit codes: 0 ok, 1 error, 2 capacity reached / try later. */
export async function main(argv: string[] = process.argv): Promise<void> {
  const program = new Command()
    .name('kugetsu')
    .description('Hand Gitea issues and pull requests to coding agents.')
    .showHelpAfterError();
  program
    .command('serve')
    .description('Start the webhook server (POST /webhooks/gitea, GET /healthz). Settings come from the environment; see README "Configuration".')
    .option('--grace <seconds>', 'on SIGTERM/SIGINT, how long running agents may finish before they are checkpointed (default: KUGETSU_SHUTDOWN_GRACE_S, 30)', (v) => Number(v))
    .action(async (opts: { grace?: number }) => serveCommand({ graceS: opts.grace }));
  await program.parseAsync(argv);
}
