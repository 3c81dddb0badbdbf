import { formatDuration } from '../report/format-duration.js';
import type { Logger } from '../log/logger.js';
import { isActive, type Job } from '../domain/job.js';
import type { JobStore } from '../store/job-store.js';
import { eyesItem, replyItem, type NewOutboxItem } from '../domain/outbox.js';
import type { ControlAction, DelegationRequest } from '../triggers/intent.js';
import type { AdmissionSource } from './admission-source.js';
import type { RouteResult } from './route-result.js';

/** What the control commands need from the rest of the service. */
export interface ControlDeps {
  store: JobStore;
  logger: Logger;
  /** Cancels a queued or running job (process group killed, worktree kept). */
  cancel: (job: Job) => Promise<void>;
  /** Forgets the issue's session and removes its worktree. */
  reset: (request: DelegationRequest) => Promise<{ sessionId: string | undefined; removed: boolean }>;
  /** Where a queued job waits, e.g. "2nd of 4 waiting for an agent slot". */
  waitingText: (job: Job) => Promise<string>;
  /** The help text's description of the repository's settings (who may use the commands, agent…). */
  settingsText: (request: DelegationRequest) => string;
  /** Creates a new job (used by `retry`). */
  admit: (request: DelegationRequest, source: AdmissionSource) => Promise<RouteResult>;
  wakeOutbox: () => void;
  /** The command word, e.g. `/kugetsu`. */
  command: (request: DelegationRequest) => string;
}

/**
 * The `/kugetsu help|status|stop|retry|reset` subcommands, near misses ("did you mean"), and the
 * cancel that follows a person removing the trigger label from an issue whose label job is still
 * queued. Each answer is one reply comment through the outbox, recorded with the delivery so that a
 * replay neither acts nor replies twice. The caller has already checked the sender's permission.
 */
export class ControlCommands {
  constructor(private readonly deps: ControlDeps) {}

  async handle(intent: ControlAction & { request: DelegationRequest }, source: AdmissionSource): Promise<RouteResult> {
    const { store } = this.deps;
    const { request } = intent;
    if ((await store.hasEvent(source.eventKey)) || (await store.hasEvent(source.id))) {
      return { status: 'ignored', reason: `this event was already handled` };
    }
    const jobs = await store.listByIssue(request.issueKey);
    const active = jobs.filter((j) => isActive(j.state));
    const cmd = this.deps.command(request);
    let reply: string | undefined;
    switch (intent.action) {
      case 'label-removed': {
        const queued = active.filter((j) => j.state === 'queued' && j.trigger === 'label');
        if (queued.length === 0) return { status: 'ignored', reason: `issue does not carry the trigger label` };
        for (const job of queued) await this.deps.cancel(job);
        this.deps.logger.info({ issueKey: request.issueKey, jobs: queued.map((j) => j.id), sender: request.sender.login }, 'trigger label removed: queued job canceled');
        await this.record(source, request, undefined);
        return { status: 'ignored', reason: `the trigger label was removed: canceled queued job ${queued.map((j) => j.id).join(', ')}` };
      }
      case 'help':
        reply = this.help(request, cmd);
        break;
      case 'status':
        reply = await this.status(request, jobs, cmd);
        break;
      case 'stop': {
        if (active.length === 0) {
          reply = `Nothing to stop: no job of \`${request.issueKey}\` is queued or running.`;
          break;
        }
        for (const job of active) await this.deps.cancel(job);
        reply = `Stopped ${active.map((j) => `job ${j.id} (${j.state})`).join(', ')} at @${request.sender.login}'s request. The worktree is kept; \`${cmd} <message>\` continues from it.`;
        break;
      }
      case 'retry': {
        const failed = [...jobs].reverse().find((j) => j.state === 'failed' || j.state === 'canceled');
        const last = jobs.at(-1);
        // Job ids are decimal strings: compare them as numbers ("10" comes after "9").
        if (!failed || (last && last.state === 'succeeded' && Number(last.id) > Number(failed.id))) {
          reply = `Nothing to retry: the last job of \`${request.issueKey}\` did not fail.`;
          break;
        }
        if (active.length > 0) {
          reply = `Job ${active[0]!.id} is still ${active[0]!.state}; retry when it has finished, or \`${cmd} stop\` it first.`;
          break;
        }
        return this.deps.admit(
          {
            ...request,
            trigger: failed.trigger === 'review' ? 'review' : 'command',
            message: failed.message,
            ...(failed.issueSnapshot ? { issueSnapshot: failed.issueSnapshot } : {}),
          },
          source,
        );
      }
      case 'reset': {
        if (active.length > 0) {
          reply = `Cannot reset while job ${active[0]!.id} is ${active[0]!.state}: \`${cmd} stop\` it first, then reset.`;
          break;
        }
        const done = await this.deps.reset(request);
        reply =
          done.sessionId || done.removed
            ? `Forgot the agent session${done.sessionId ? ` \`${done.sessionId}\`` : ''} and removed the worktree of \`${request.issueKey}\`. The next request starts fresh from the base branch (the pushed branch is left as it is).`
            : `Nothing to reset: \`${request.issueKey}\` has no session or worktree yet.`;
        break;
      }
      case 'suggest':
        reply = `\`${cmd} ${intent.word}\` is not a command. Did you mean \`${cmd} ${intent.suggestion}\`? (\`${cmd} help\` lists the commands; to send a single word to the agent, write a sentence instead.)`;
        break;
    }
    await this.record(source, request, reply);
    this.deps.logger.info({ delivery: source.id, issueKey: request.issueKey, action: intent.action, sender: request.sender.login }, 'command answered');
    return { status: 'ignored', reason: `${intent.action} answered` };
  }

  private async record(source: AdmissionSource, request: DelegationRequest, reply: string | undefined): Promise<void> {
    const items: NewOutboxItem[] = [...eyesItem(request), ...(reply ? [replyItem(request, source.eventKey, reply)] : [])];
    await this.deps.store.recordEvent({ ...source, receivedAt: source.receivedAt ?? new Date().toISOString() }, items);
    this.deps.wakeOutbox();
  }

  private help(request: DelegationRequest, cmd: string): string {
    return [
      `**kugetsu** commands — in an issue or pull request comment, on a line of their own:`,
      '',
      '| command | what it does |',
      '|---|---|',
      `| \`${cmd} <message>\` | start or continue work on this issue; the message goes to the agent (the issue's session continues) |`,
      `| \`${cmd} status\` | this issue's current and recent jobs |`,
      `| \`${cmd} stop\` | cancel this issue's queued or running job (the worktree is kept) |`,
      `| \`${cmd} retry\` | run the last failed job again |`,
      `| \`${cmd} reset\` | forget this issue's agent session and worktree; the next request starts fresh |`,
      `| \`${cmd} help\` | this help |`,
      '',
      this.deps.settingsText(request),
    ].join('\n');
  }

  private async status(request: DelegationRequest, jobs: Job[], cmd: string): Promise<string> {
    if (jobs.length === 0) return `No jobs for \`${request.issueKey}\` yet. \`${cmd} <message>\` starts one.`;
    const rows: string[] = [];
    for (const j of jobs.slice(-5).reverse()) {
      const took = j.result
        ? formatDuration(j.result.durationMs)
        : j.state === 'running' && j.startedAt
          ? `running for ${formatDuration(Date.now() - Date.parse(j.startedAt))}`
          : await this.deps.waitingText(j);
      rows.push(`| ${j.id} | ${j.state} | ${j.trigger} by @${j.sender.login} | ${j.createdAt.replace('T', ' ').slice(0, 16)} | ${took} |`);
    }
    return [`Jobs of \`${request.issueKey}\` (newest first):`, '', '| job | state | asked | at (UTC) | time |', '|---|---|---|---|---|', ...rows].join('\n');
  }
}
