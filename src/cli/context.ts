import { GiteaError } from '../gitea/types.js';
import { CliError, EXIT, giteaFailure, INSTANCES_FILE_NAMES } from './cli-error.js';
import { processOutput, type Output } from './output.js';

/** What a subcommand's action runs against: the environment, the working dir, an output sink. */
export interface CommandContext {
  env: Record<string, string | undefined>;
  cwd: string;
  output: Output;
  /** Replaces the global `fetch` (tests). */
  fetch?: typeof fetch;
}

/** The real process's environment, working dir, stdout and stderr. */
export function processContext(): CommandContext {
  return { env: process.env, cwd: process.cwd(), output: processOutput };
}

/**
 * Runs a subcommand's action and returns its exit code: a {@link CliError} prints its message (what
 * to do) and exits with its code, a `GiteaError` says what to fix, anything else exits 1 with its
 * message. Never throws. With `KUGETSU_INSTANCES_FILE` set, the fix names the instance's settings
 * rather than `GITEA_URL`/`GITEA_TOKEN`.
 */
export async function runAction(ctx: CommandContext, what: string, action: () => Promise<number>): Promise<number> {
  try {
    return await action();
  } catch (err) {
    const failure = err instanceof GiteaError ? giteaFailure(err, what, ctx.env['KUGETSU_INSTANCES_FILE'] ? INSTANCES_FILE_NAMES : undefined) : err;
    if (failure instanceof CliError) {
      ctx.output.err(`kugetsu: ${failure.message}`);
      return failure.exitCode;
    }
    ctx.output.err(`kugetsu: ${what} failed: ${failure instanceof Error ? failure.message : String(failure)}`);
    return EXIT.error;
  }
}
