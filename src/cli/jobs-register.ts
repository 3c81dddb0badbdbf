import { InvalidArgumentError, type Command } from 'commander';
import type { CommandContext } from './context.js';
import { runAction } from './context.js';
import { jobsCancelCommand } from './jobs-cancel-command.js';
import { jobsListCommand, jobsLogsCommand, jobsShowCommand } from './jobs-command.js';

/** A positive whole number option. */
export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('must be a positive whole number');
  return n;
}

/** Adds `kugetsu jobs [list|show|logs|cancel]` to `program`; each action's exit code goes to `done`. */
export function registerJobsCommands(program: Command, ctx: CommandContext, done: (code: number) => void): void {
  const jobs = program
    .command('jobs')
    .description('Look at jobs (read from <KUGETSU_STATE_DIR>/kugetsu.db; works whether or not the server runs) and cancel one.')
    .addHelpText(
      'after',
      '\nExamples:\n  $ kugetsu jobs                      # the 20 most recent\n  $ kugetsu jobs show 12 --json\n  $ kugetsu jobs logs 12 --tail 50\n  $ kugetsu jobs cancel 12',
    );
  jobs
    .command('list', { isDefault: true })
    .option('--limit <n>', 'how many (default 20)', positiveInt)
    .option('--state <state>', 'only queued, running, succeeded, failed or canceled jobs')
    .option('--json', 'print the jobs as JSON')
    .description('The most recent jobs, newest first.')
    .addHelpText('after', '\nExamples:\n  $ kugetsu jobs\n  $ kugetsu jobs list --state failed --limit 5 --json')
    .action(async (opts: { limit?: number; state?: string; json?: boolean }) => done(await runAction(ctx, 'jobs list', () => jobsListCommand(opts, ctx))));
  jobs
    .command('show')
    .argument('<id>', 'job id')
    .option('--json', 'print the job, its history and log path as JSON')
    .description('One job: who asked, its result, its state history, its log file.')
    .addHelpText('after', '\nExample:\n  $ kugetsu jobs show 12')
    .action(async (id: string, opts: { json?: boolean }) => done(await runAction(ctx, 'jobs show', () => jobsShowCommand(id, opts, ctx))));
  jobs
    .command('logs')
    .argument('<id>', 'job id')
    .option('--tail <n>', 'only the last n lines', positiveInt)
    .option('--json', 'print the lines as JSON')
    .description("The agent's output of a job, from the database (any machine that reaches it); for older jobs the log file <KUGETSU_STATE_DIR>/logs/job-<id>.log.")
    .addHelpText('after', '\nExample:\n  $ kugetsu jobs logs 12 --tail 50')
    .action(async (id: string, opts: { tail?: number; json?: boolean }) => done(await runAction(ctx, 'jobs logs', () => jobsLogsCommand(id, opts, ctx))));
  jobs
    .command('cancel')
    .argument('<id>', 'job id')
    .option('--url <url>', 'where kugetsu listens (default http://127.0.0.1:$PORT)')
    .option('--json', 'print the answer as JSON')
    .description("Cancel a queued job or stop a running agent, through the running server's admin API (token in <KUGETSU_STATE_DIR>/admin-token).")
    .addHelpText(
      'after',
      `
Example:
  $ kugetsu jobs cancel 12

When no server listens at the URL, a queued job is canceled in the database (its status comment is
updated when kugetsu starts); a job recorded as running exits 2: start kugetsu, then cancel again.`,
    )
    .action(async (id: string, opts: { url?: string; json?: boolean }) => done(await runAction(ctx, 'jobs cancel', () => jobsCancelCommand(id, opts, ctx))));
}
