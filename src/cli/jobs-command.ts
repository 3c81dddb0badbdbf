import { existsSync, readFileSync } from 'node:fs';
import { summarizeJob, type JobSummary } from '../admin/job-summary.js';
import { jobPaths } from '../pipeline/state-paths.js';
import type { JobState } from '../domain/job.js';
import type { JobStore } from '../store/job-store.js';
import { CliError, EXIT } from './cli-error.js';
import { cliDatabase, readCliSettings } from './cli-settings.js';
import type { CommandContext } from './context.js';
import { openJobDb } from './job-db.js';
import { printJson } from './output.js';
import { formatUsage } from '../report/format-usage.js';
import { sumUsage } from '../domain/turn-usage.js';
import type { IssueKey } from '../domain/issue-key.js';

const STATES: readonly JobState[] = ['queued', 'running', 'succeeded', 'failed', 'canceled'];

/** `kugetsu jobs list`: the most recent jobs from the database, newest first. */
export async function jobsListCommand(options: { limit?: number; state?: string; json?: boolean }, ctx: CommandContext): Promise<number> {
  if (options.state !== undefined && !STATES.includes(options.state as JobState)) {
    throw new CliError(`--state must be one of ${STATES.join(', ')}, got "${options.state}"`);
  }
  const limit = options.limit ?? 20;
  if (!Number.isInteger(limit) || limit <= 0) throw new CliError(`--limit must be a positive whole number, got ${options.limit}`);
  const { jobs, issues } = await withDb(ctx, async (store) => {
    // Filtering after the read keeps to JobStore's API; read more rows so a filter still fills the page.
    const recent = await store.recent(options.state ? Math.max(limit * 20, 1000) : limit);
    const jobs = recent.filter((j) => !options.state || j.state === options.state).slice(0, limit);
    // Tokens and cost per issue: the sum over all the issue's jobs, not only the listed ones.
    const issues: Array<{ issueKey: string; usage: NonNullable<ReturnType<typeof sumUsage>> }> = [];
    for (const key of [...new Set(jobs.filter((j) => j.result?.usage).map((j) => j.issueKey))]) {
      const usage = sumUsage((await store.listByIssue(key as IssueKey)).map((j) => j.result?.usage));
      if (usage) issues.push({ issueKey: key, usage });
    }
    return { jobs, issues };
  });
  const rows = jobs.map((j) => summarizeJob(j));
  if (options.json) {
    printJson(ctx.output, { jobs: rows, issues });
    return EXIT.ok;
  }
  if (rows.length === 0) ctx.output.out(options.state ? `no ${options.state} jobs` : 'no jobs yet');
  for (const r of rows) ctx.output.out(line(r));
  if (issues.length > 0) ctx.output.out('per issue (all its jobs):');
  for (const i of issues)
    ctx.output.out(`  ${i.issueKey}  ${i.usage.turns} turn(s)  ${formatUsage(i.usage, { costPartial: !i.usage.costComplete && i.usage.costUsd !== undefined })}`);
  return EXIT.ok;
}

/** `kugetsu jobs show <id>`: one job with its state history and log file. */
export async function jobsShowCommand(id: string, options: { json?: boolean }, ctx: CommandContext): Promise<number> {
  const { stateDir } = readCliSettings(ctx.env, ctx.cwd);
  const { job, history, issueUsage } = await withDb(ctx, async (store) => {
    const job = await store.get(id);
    const issueUsage = job?.result?.usage ? sumUsage((await store.listByIssue(job.issueKey)).map((j) => j.result?.usage)) : undefined;
    return { job, history: job ? await store.history(id) : [], issueUsage };
  });
  if (!job) throw notFound(id);
  const logFile = jobPaths(stateDir, job).logFile;
  if (options.json) {
    printJson(ctx.output, { job, history, logFile, logExists: existsSync(logFile), ...(issueUsage ? { issueUsage } : {}) });
    return EXIT.ok;
  }
  const out = (t: string) => ctx.output.out(t);
  out(line(summarizeJob(job)));
  if (job.message) out(`  message: ${job.message.split('\n')[0]}${job.message.includes('\n') ? ' …' : ''}`);
  out(`  branch: ${job.branch}  agent: ${job.agent}  delivery: ${job.deliveryId}`);
  if (job.note) out(`  note: ${job.note}`);
  if (job.result) {
    const r = job.result;
    out(
      `  result: exit ${r.exitCode ?? '–'}${r.timedOut ? ' (timed out)' : ''}, ${Math.round(r.durationMs / 1000)}s, ${r.newCommits} new commit(s)${r.pushed ? ', pushed' : ''}${r.sessionId ? `, session ${r.sessionId}` : ''}`,
    );
    if (r.error) out(`  error${r.failedPhase ? ` (${r.failedPhase})` : ''}: ${r.error}`);
    if (r.usage) out(`  tokens: ${formatUsage(r.usage)}${r.usage.model ? ` (${r.usage.model})` : ''}`);
    if (issueUsage) out(`  issue total (${issueUsage.turns} turn(s)): ${formatUsage(issueUsage, { costPartial: !issueUsage.costComplete && issueUsage.costUsd !== undefined })}`);
  }
  out('  history:');
  for (const e of history) out(`    ${e.at}  ${e.state}${e.detail ? `  ${e.detail}` : ''}`);
  out(`  log: ${logFile}${existsSync(logFile) ? '' : ' (none)'}`);
  return EXIT.ok;
}

/**
 * `kugetsu jobs logs <id>`: the agent's output of a job, read from the engine (`JobStore.readOutput`:
 * the newest `KUGETSU_JOB_OUTPUT_MAX_BYTES` of it, the same on every machine that reaches the
 * database); for a job whose output is not in the engine (run before schema 4) the worker's log
 * file `<state>/logs/job-<id>.log` when it is on this machine. `--json` gives
 * `{job, state, source: 'engine' | 'file', dropped (bytes no longer kept), lines}`.
 */
export async function jobsLogsCommand(id: string, options: { tail?: number; json?: boolean }, ctx: CommandContext): Promise<number> {
  const { stateDir } = readCliSettings(ctx.env, ctx.cwd);
  const found = await withDb(ctx, async (store) => {
    const job = await store.get(id);
    return job && { job, output: await readAllOutput(store, id) };
  });
  if (!found) throw notFound(id);
  const { job, output } = found;
  let text = output.text;
  let source: 'engine' | 'file' = 'engine';
  const logFile = jobPaths(stateDir, job).logFile;
  if (output.total === 0) {
    if (!existsSync(logFile)) {
      throw new CliError(`job ${id} (${job.state}) has no output yet
  → a job has output once its agent started; it is pruned with the job after KUGETSU_RETENTION_DAYS`);
    }
    text = readFileSync(logFile, 'utf8');
    source = 'file';
  }
  let lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  if (options.tail !== undefined) lines = lines.slice(-options.tail);
  if (options.json) {
    printJson(ctx.output, { job: id, state: job.state, source, dropped: output.dropped, lines, ...(source === 'file' ? { logFile } : {}) });
    return EXIT.ok;
  }
  if (output.dropped > 0 && options.tail === undefined) ctx.output.out(`[… the first ${output.dropped} bytes are no longer kept (KUGETSU_JOB_OUTPUT_MAX_BYTES)]`);
  for (const l of lines) ctx.output.out(l);
  return EXIT.ok;
}

/** The whole kept output of a job, read page by page. */
async function readAllOutput(store: JobStore, id: string): Promise<{ text: string; dropped: number; total: number }> {
  let chunk = await store.readOutput(id);
  let text = chunk.text;
  const { dropped } = chunk;
  while (chunk.next < chunk.total && chunk.text !== '') {
    chunk = await store.readOutput(id, { after: chunk.next });
    text += chunk.text;
  }
  return { text, dropped, total: chunk.total };
}

async function withDb<T>(ctx: CommandContext, read: (store: JobStore) => Promise<T>): Promise<T> {
  const store = await openJobDb(cliDatabase(ctx.env, ctx.cwd));
  try {
    return await read(store);
  } finally {
    await store.close();
  }
}

function notFound(id: string): CliError {
  return new CliError(`no job ${id}\n  → list the jobs with: kugetsu jobs list`);
}

function line(r: JobSummary): string {
  const end = r.finishedAt ?? (r.state === 'running' ? new Date().toISOString() : undefined);
  const took = r.startedAt && end ? ` ${Math.round((Date.parse(end) - Date.parse(r.startedAt)) / 1000)}s` : '';
  const extra = r.failedPhase ? ` (${r.failedPhase})` : '';
  const usage = r.usage ? `  tokens: ${formatUsage(r.usage)}` : '';
  return `#${r.id.padEnd(5)} ${r.state.padEnd(9)} ${r.issueKey}  ${r.trigger} by @${r.sender}  ${r.createdAt}${took}${extra}${r.attempt > 1 ? ` attempt ${r.attempt}` : ''}${usage}`;
}
