import { readAdminToken } from '../admin/admin-token.js';
import { JobMachine } from '../pipeline/job-machine.js';
import { CliError, EXIT } from './cli-error.js';
import { cliDatabase, readCliSettings } from './cli-settings.js';
import type { CommandContext } from './context.js';
import { openJobDb } from './job-db.js';
import { reportSettingsFromEnv } from './report-settings-from-env.js';
import { causeOf, exitCodeOf } from './post-delivery.js';
import { printJson } from './output.js';

/**
 * `kugetsu jobs cancel <id> [--url]`: asks the running server (`POST /admin/jobs/:id/cancel`, with
 * the bearer token from `<state>/admin-token`) to cancel a queued job or stop a running agent.
 * When nothing listens at the URL (connection refused), a **queued** job is marked `canceled`
 * directly in the database (its status comment is updated when kugetsu starts; it never runs),
 * while a job recorded as `running` is refused with exit 2: only a running server can stop an
 * agent, and it re-queues an interrupted job when it starts — start it, then cancel again.
 */
export async function jobsCancelCommand(id: string, options: { url?: string; json?: boolean }, ctx: CommandContext): Promise<number> {
  if (!/^[1-9]\d*$/.test(id)) throw new CliError(`"${id}" is not a job id\n  → list the jobs with: kugetsu jobs list`);
  const settings = readCliSettings(ctx.env, ctx.cwd);
  const base = (options.url ?? settings.localUrl).replace(/\/+$/, '');
  const token = readAdminToken(settings.stateDir) ?? '';
  let response: Response;
  try {
    response = await (ctx.fetch ?? fetch)(`${base}/admin/jobs/${id}/cancel`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
  } catch (err) {
    if (causeOf(err) !== 'ECONNREFUSED') throw new CliError(`cannot reach kugetsu at ${base}: ${causeOf(err)}\n  → check --url (default http://127.0.0.1:$PORT)`, EXIT.tryLater);
    return cancelOffline(id, base, options, ctx);
  }
  const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (options.json) printJson(ctx.output, { ...body, httpStatus: response.status, via: 'server' });
  if (response.status === 200) {
    if (!options.json) ctx.output.out(`✓ job ${id} canceled${body['state'] === 'running' ? ' (its agent is being stopped; the worktree is kept)' : ''}`);
    return EXIT.ok;
  }
  if (options.json) return exitCodeOf(response.status);
  const reason = typeof body['reason'] === 'string' ? body['reason'] : `HTTP ${response.status}`;
  const fix =
    response.status === 401
      ? `the admin token in ${settings.stateDir}/admin-token is not the server's: set KUGETSU_STATE_DIR to the server's state dir`
      : response.status === 404 && body['status'] !== 'unknown'
        ? `the server at ${base} has no admin API: is it kugetsu, and a version with "jobs cancel"?`
        : response.status === 404
          ? 'list the jobs with: kugetsu jobs list'
          : response.status === 409
            ? 'nothing to do'
            : 'try again later';
  throw new CliError(`cannot cancel job ${id}: ${reason}\n  → ${fix}`, exitCodeOf(response.status));
}

async function cancelOffline(id: string, base: string, options: { json?: boolean }, ctx: CommandContext): Promise<number> {
  const store = await openJobDb(cliDatabase(ctx.env, ctx.cwd));
  try {
    const job = await store.get(id);
    if (!job) throw new CliError(`no job ${id}\n  → list the jobs with: kugetsu jobs list`);
    if (job.state === 'running') {
      throw new CliError(
        `kugetsu is not running at ${base}, and job ${id} was running when it stopped\n  → start kugetsu (it re-queues the job) and run kugetsu jobs cancel ${id} again`,
        EXIT.tryLater,
      );
    }
    if (job.state !== 'queued' && job.state !== 'waiting') throw new CliError(`job ${id} already ${job.state}; nothing to cancel`);
    // Through the job state machine, with the repository's settings: the status comment and the
    // state labels catch up when kugetsu starts (the outbox is durable).
    const machine = new JobMachine({ store, reportSettings: reportSettingsFromEnv(ctx.env, ctx.cwd), maxAttempts: 3 });
    const outcome = await machine.cancel(job, 'Canceled with `kugetsu jobs cancel` before it started.');
    if (outcome !== 'canceled') throw new CliError(`job ${id} changed meanwhile (${outcome}); look again with kugetsu jobs show ${id}`);
  } finally {
    await store.close();
  }
  if (options.json) printJson(ctx.output, { status: 'canceled', job: id, via: 'database' });
  else ctx.output.out(`✓ job ${id} canceled in the database (kugetsu is not running at ${base}; its status comment is updated when kugetsu starts)`);
  return EXIT.ok;
}
