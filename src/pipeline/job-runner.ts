import { mkdir, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import path from 'node:path';
import type { AgentSandbox } from '../agents/agent-sandbox.js';
import { writeSessionFile } from '../agents/session-file.js';
import type { AgentAdapter, AgentOutcome, SessionPlace } from '../agents/types.js';
import type { TurnUsage } from '../domain/turn-usage.js';
import { GiteaError, type GiteaClient } from '../gitea/types.js';
import type { Logger } from '../log/logger.js';
import type { Redactor } from '../log/redact.js';
import { OutputBatcher } from './output-batcher.js';
import type { Job, JobPhase, JobResult } from '../domain/job.js';
import type { JobStore } from '../store/job-store.js';
import type { RepoRef } from '../domain/repo-ref.js';
import { isLeaseLost, isShutdownAbort } from '../worker/stop-reasons.js';
import type { JobMachine } from './job-machine.js';
import { WorkspaceError, type PreparedWorktree, type Workspace } from '../workspace/types.js';
import type { AccessPolicy } from '../triggers/access-policy.js';
import type { Authorizer } from './authorizer.js';
import { buildPrompt } from './build-prompt.js';
import type { GiteaIssue } from '../gitea/types.js';
import { DEFAULT_PROMPT_LIMITS, type PromptLimits } from '../config/prompt-limits.js';
import { readPromptThread, type PromptThread } from './read-prompt-thread.js';
import { sanitizeUntrusted } from '../domain/untrusted-text.js';
import { jobPaths } from './state-paths.js';
import { backoffDelay, type BackoffOptions } from '../report/backoff.js';
import { DEFERRED_BACKOFF } from './deferred-events.js';
import { restoreTurnSession, SESSION_TRANSFER_TIMEOUT_MS, storeTurnSession } from './turn-session.js';
import { TurnBudget } from './turn-budget.js';
import { judgeTurn } from './judge-turn.js';

/** What the runner needs; all injected by the composition root. */
export interface JobRunnerDeps {
  store: JobStore;
  gitea: GiteaClient;
  workspace: Workspace;
  /**
   * The agent of the job's repository (its `webhooks/` settings over the defaults): the adapter,
   * the turn's time limit in ms, its environment, the branch new worktrees start from, and the
   * turn's cost budget in US dollars (`budget.max_turn_cost_usd`; `undefined`: none).
   */
  agentFor: (job: Job) => { adapter: AgentAdapter; timeoutMs: number; env: Record<string, string>; baseBranch: string | undefined; maxTurnCostUsd?: number | undefined };
  /** Checks the sender's permission for jobs admitted while Gitea could not confirm it. */
  authorizer: Authorizer;
  /**
   * The repository's least role (its `webhooks/` settings over `KUGETSU_MIN_ROLE`): checked again
   * for jobs admitted before Gitea confirmed the sender; comments by people below it stay out of
   * the prompt.
   */
  minRole: (repo: RepoRef) => AccessPolicy['minRole'];
  /** Where agent turns run (README "Security model"); a sandbox that cannot work fails the job before anything runs. */
  sandbox: AgentSandbox;
  /** The job state machine: every state change of the job goes through it. */
  machine: JobMachine;
  logger: Logger;
  redact: Redactor;
  stateDir: string;
  /** The bot's user id, once known (its comments stay out of prompts). */
  botUserId: () => number | undefined;
  /** Caps of the prompt (body, each comment, number of comments, whole prompt). Default {@link DEFAULT_PROMPT_LIMITS}. */
  promptLimits?: PromptLimits;
  /**
   * The repository's instructions template (its `webhooks/` `prompt:` block, else kugetsu's
   * default; see `RepoSettings.prompt`). Default: `DEFAULT_INSTRUCTIONS` for every repository.
   */
  instructionsFor?: (repo: RepoRef) => string;
  /** How long a job waits for Gitea each time; default {@link DEFERRED_BACKOFF} (5 s doubling to 5 min). */
  waitBackoff?: BackoffOptions;
  /** Limit of one session export or import, in ms; default {@link SESSION_TRANSFER_TIMEOUT_MS}. */
  sessionTransferTimeoutMs?: number;
  /**
   * The cost in USD of a turn's tokens by the operator's price table (`KUGETSU_PRICES_FILE`), used
   * when the agent reported tokens but no cost; `undefined` when the table has no price for it.
   */
  costOf?: (usage: TurnUsage) => number | undefined;
}

/** Gitea could not answer a check the turn needs (network, 5xx, 429): the job waits and tries again. */
class GiteaUnavailable extends Error {}

/** A failure with the job phase it belongs to and a message for the status comment. */
class PhaseError extends Error {
  constructor(
    readonly phase: JobPhase,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * Runs one claimed job — one agent turn — to `succeeded`, `failed` or `canceled`:
 * prepare the issue's worktree (rebuilt from the pushed branch on a worker that does not have it)
 * → fetch the issue and its comments → write the prompt file → bring the issue's stored session
 * into this worker's agent dir when it is not there (see `turn-session.ts`) → run the agent
 * (continuing the session) → store the session and its export → commit what it left and push the
 * branch → final status comment. Never throws: every failure ends as a `failed` job
 * naming its phase (authorize, clone, fetch, worktree, prompt, agent, commit, push) and what to do.
 */
export class JobRunner {
  constructor(private readonly deps: JobRunnerDeps) {}

  /**
   * Runs the turn of a job this worker claimed (`running`, held by `workerId`) and ends it through
   * the state machine: `finish` (succeeded, failed, or canceled when `signal` says a cancel was
   * asked), `wait` (Gitea could not answer a check before the agent started), `interrupt` (a
   * shutdown: the next attempt runs after the restart), or nothing at all when the lease was lost
   * (another worker took the job over). Never throws.
   */
  async run(claimed: Job, workerId: string, signal: AbortSignal): Promise<void> {
    let job = claimed;
    const log = this.deps.logger.child({ job: job.id, issueKey: job.issueKey, delivery: job.deliveryId, worker: workerId });
    log.info({ trigger: job.trigger, attempt: job.attempt }, 'job started');

    const started = Date.now();
    let result: JobResult;
    let state: 'succeeded' | 'failed' | 'canceled';
    try {
      ({ result, state } = await this.turn(job, workerId, signal));
    } catch (err) {
      if (err instanceof GiteaUnavailable && !signal.aborted) {
        await this.waitForGitea(job, workerId, err.message);
        return;
      }
      const phase: JobPhase = err instanceof PhaseError ? err.phase : err instanceof WorkspaceError ? err.phase : 'internal';
      const message = this.deps.redact(err instanceof Error ? err.message : String(err));
      if (!signal.aborted) log.error({ err, phase }, 'job failed');
      state = signal.aborted ? 'canceled' : 'failed';
      result = {
        exitCode: null,
        timedOut: false,
        canceled: signal.aborted,
        durationMs: Date.now() - started,
        outputTail: '',
        newCommits: 0,
        pushed: false,
        failedPhase: phase,
        error: phase === 'internal' ? `kugetsu hit an internal error (${message}); see the service log for job ${job.id}.` : message,
      };
    }

    if (isLeaseLost(signal)) {
      log.warn("the job was taken over by another worker (this worker's lease lapsed); nothing of this turn is recorded");
      return;
    }
    // re-read for the `startSha` and repository the turn stored (commit status of a failed turn).
    job = (await this.deps.store.get(job.id)) ?? job;
    if (isShutdownAbort(signal)) {
      const after = await this.deps.machine.interrupt(job, 'Interrupted because kugetsu was shut down', workerId);
      log.info({ state: after?.state, attempt: after?.attempt }, 'job checkpointed for the next start');
      return;
    }
    const finished = await this.deps.machine.finish(job, workerId, state, result);
    if (!finished) log.warn({ state }, "the job was no longer this worker's when its turn ended; its outcome is not recorded");
    else log.info({ state, durationMs: result.durationMs, exitCode: result.exitCode, pushed: result.pushed }, 'job finished');
  }

  /**
   * Gitea could not answer a check before the agent started: the job waits (its slot and issue
   * freed), its status comment says for what and until when, and it becomes claimable again then —
   * 5 s doubling to 5 min (the `waitBackoff`), for as long as it takes. It fails only when Gitea
   * answers no.
   */
  private async waitForGitea(job: Job, workerId: string, why: string): Promise<void> {
    const times = (job.waiting?.reason === 'gitea' ? job.waiting.times : 0) + 1;
    const delayMs = backoffDelay(times, this.deps.waitBackoff ?? DEFERRED_BACKOFF);
    const until = new Date(Date.now() + delayMs).toISOString();
    await this.deps.machine.wait(job, { reason: 'gitea', detail: this.deps.redact(why), until }, workerId);
    this.deps.logger.warn({ job: job.id, issueKey: job.issueKey, until, times, error: why }, 'Gitea cannot answer a check before the run; the job waits and tries again');
  }

  /**
   * For a command on a pull request kugetsu did not open: the work goes on that PR's own head
   * branch, read from Gitea now (the payload may be older than the PR's last push, or lack it).
   * A PR from a fork (kugetsu cannot push there) or a closed one fails with what to do.
   */
  private async pullRequestBranch(job: Job, workerId: string): Promise<Job> {
    const n = job.onPullRequest!.number;
    const { owner, name } = job.repo;
    let pr;
    try {
      pr = await this.deps.gitea.getPullRequest(owner, name, n);
    } catch (err) {
      if (err instanceof GiteaError && err.retryable) throw new GiteaUnavailable(`pull request #${n} cannot be read (${err.message})`);
      throw new PhaseError('worktree', `Pull request #${n} could not be read (${(err as Error).message}).`, { cause: err });
    }
    if (pr.fromFork) {
      throw new PhaseError(
        'worktree',
        `Pull request #${n} comes from a fork: kugetsu can only push to branches of ${owner}/${name}. Ask for the change on an issue instead, or push the branch to ${owner}/${name} and open the pull request from there.`,
      );
    }
    if (pr.state !== 'open') throw new PhaseError('worktree', `Pull request #${n} is closed; reopen it, or ask for the change on an issue.`);
    if (pr.headRef === job.branch) return job;
    return (await this.deps.store.change(job.id, { expect: ['running'], workerId, patch: { branch: pr.headRef } })) ?? job;
  }

  /**
   * The job's repository as Gitea describes it now (`GET /repos/{o}/{r}`): its clone URL and
   * default branch. When Gitea cannot answer, the job waits ({@link GiteaUnavailable}); a
   * repository that is gone fails the job in phase `clone`.
   */
  private async repository(job: Job): Promise<RepoRef> {
    const { owner, name } = job.repo;
    try {
      return await this.deps.gitea.getRepository(owner, name);
    } catch (err) {
      if (err instanceof GiteaError && err.retryable) throw new GiteaUnavailable(`${owner}/${name} cannot be read (${err.message})`);
      const why =
        err instanceof GiteaError && err.status === 404
          ? `${owner}/${name} no longer exists in Gitea (or kugetsu's account cannot see it).`
          : `kugetsu could not read ${owner}/${name} from Gitea (${(err as Error).message}).`;
      throw new PhaseError('clone', why, { cause: err });
    }
  }

  /**
   * The issue and the part of its thread that may go into the prompt (see `readPromptThread`: the
   * newest comments, read page by page with a stop, by people who may ask for work). Gitea failures
   * that may pass (network, 5xx, 429) are retried twice (after 2 s and 6 s); if Gitea still cannot
   * be read, the issue as the triggering event described it is used, without comments, rather than
   * failing the request. Once `signal` is aborted (the job was stopped, or its worktree failed) no
   * further read starts: the last Gitea error is thrown.
   */
  private async readIssue(job: Job, signal: AbortSignal): Promise<{ issue: GiteaIssue; thread: PromptThread }> {
    const { gitea } = this.deps;
    const { owner, name } = job.repo;
    const limits = this.promptLimits();
    const minRole = this.deps.minRole(job.repo);
    const threadDeps = {
      gitea,
      redact: this.deps.redact,
      botUserId: this.deps.botUserId(),
      mayDelegate: async (user: { id: number; login: string }) => {
        if (user.id === job.sender.id) return true;
        const verdict = await this.deps.authorizer.check(job.repo, user, minRole);
        return verdict.allowed;
      },
    };
    const retryDelaysMs = [2000, 6000];
    for (let attempt = 0; ; attempt++) {
      try {
        const issue = await gitea.getIssue(owner, name, job.issueNumber);
        const thread = await readPromptThread(threadDeps, owner, name, job.issueNumber, issue.comments, limits);
        return { issue, thread };
      } catch (err) {
        if (!(err instanceof GiteaError) || !err.retryable || signal.aborted) throw err;
        const delayMs = retryDelaysMs[attempt];
        if (delayMs !== undefined) {
          // Aborted while waiting: no further read; Gitea's last answer is the failure.
          await sleep(delayMs, undefined, { signal }).catch(() => {
            throw err;
          });
          continue;
        }
        if (!job.issueSnapshot) throw err;
        this.deps.logger.warn({ job: job.id, issueKey: job.issueKey, err }, 'Gitea cannot be read; the prompt uses the issue as the event described it');
        const { title, body } = job.issueSnapshot;
        return {
          issue: { number: job.issueNumber, title, body, state: 'open', labels: [], user: job.sender, htmlUrl: '', isPull: false },
          thread: { comments: [], outsiders: [], unconfirmed: [], olderLeftOut: false, complete: true, total: undefined, unread: true },
        };
      }
    }
  }

  /** `usage` with the price table's cost when the agent gave none (and the table knows the model). */
  private priced(usage: TurnUsage | undefined): TurnUsage | undefined {
    if (!usage || usage.costUsd !== undefined || !this.deps.costOf) return usage;
    const cost = this.deps.costOf(usage);
    return cost === undefined ? usage : { ...usage, costUsd: cost, costSource: 'prices' };
  }

  private promptLimits(): PromptLimits {
    return this.deps.promptLimits ?? DEFAULT_PROMPT_LIMITS;
  }

  /**
   * The web address of the pull request the turn's work goes to, for the instructions' `{pr_url}`:
   * the PR the request was made on, else the newest one kugetsu recorded on a job of the issue for
   * this branch; `undefined` when none is known (nothing is asked of Gitea).
   */
  private async pullRequestUrl(job: Job): Promise<string | undefined> {
    if (job.onPullRequest && job.repo.htmlUrl) return `${job.repo.htmlUrl}/pulls/${job.onPullRequest.number}`;
    if (job.pullRequest) return job.pullRequest.url;
    const jobs = await this.deps.store.listByIssue(job.issueKey);
    return jobs.filter((j) => j.pullRequest && j.branch === job.branch).at(-1)?.pullRequest?.url;
  }

  private async turn(job: Job, workerId: string, signal: AbortSignal): Promise<{ result: JobResult; state: 'succeeded' | 'failed' | 'canceled' }> {
    const { store, workspace, redact } = this.deps;
    const run = this.deps.agentFor(job);
    const agent = run.adapter;
    const started = Date.now();
    if (job.needsAuthorization) {
      // Jobs admitted by an older kugetsu while Gitea could not answer; new ones are deferred instead.
      const auth = await this.deps.authorizer.check(job.repo, job.sender, this.deps.minRole(job.repo));
      if (auth.allowed === 'unknown') throw new GiteaUnavailable(`the permission of @${job.sender.login} cannot be checked (${auth.reason})`);
      if (!auth.allowed) throw new PhaseError('authorize', auth.reply);
      await store.change(job.id, { expect: ['running'], workerId, patch: { needsAuthorization: false } });
    }
    const sandbox = await this.deps.sandbox.probe();
    if (!sandbox.ok) throw new PhaseError('agent', `kugetsu refuses to run agents without their sandbox: ${sandbox.problem}. To fix: ${sandbox.fix}.`);
    if (job.onPullRequest) job = await this.pullRequestBranch(job, workerId);
    // The clone URL is Gitea's answer now, never what a delivery said (nor a stored copy of it):
    // kugetsu's token goes only to GITEA_URL's origin and to the clone URL Gitea's API gives.
    const current = await this.repository(job);
    const repo = run.baseBranch ? { ...current, defaultBranch: run.baseBranch } : current;
    // The issue and its thread are read from Gitea while git prepares the worktree (neither needs
    // the other): the agent starts after the slower of the two, not after both. Awaited below; a
    // failure of the worktree first leaves this read's own failure handled, never unhandled, and
    // stops its retries (the job fails; more reads would only cost Gitea calls).
    const readStop = new AbortController();
    const reading = this.readIssue(job, AbortSignal.any([signal, readStop.signal]));
    reading.catch(() => undefined);
    let wt: PreparedWorktree;
    try {
      wt = await workspace.prepare(repo, job.issueNumber, job.branch);
    } catch (err) {
      readStop.abort();
      throw err;
    }
    const log = this.deps.logger.child({ job: job.id, issueKey: job.issueKey });
    if (wt.setAside) {
      log.warn(
        { ref: wt.setAside.ref, sha: wt.setAside.sha, worktree: wt.path },
        "the branch moved on in origin while this worker's copy had unpushed work: that work was kept on a local ref of the worktree (not pushed) and the turn starts from the pushed branch",
      );
    }
    // The start transition (the head this turn starts from, and the "pending" commit status on it
    // when the branch has an open PR), the issue's session and the pull request's address need
    // none of each other: asked of the engine together.
    const prUrlRead = this.pullRequestUrl({ ...job, repo: current });
    prUrlRead.catch(() => undefined);
    const [afterStart, previous] = await Promise.all([this.deps.machine.start(job, workerId, wt.startSha, current), store.getSession(job.issueKey)]);
    job = afterStart ?? job;
    let sessionId = previous?.agent === agent.name ? previous.sessionId : undefined;
    const paths = jobPaths(this.deps.stateDir, job);
    // The message as data: cleaned like the issue's text, masked; whole in its own file, cut in the
    // prompt and in KUGETSU_MESSAGE when long (see AgentTurn.messageFile).
    const message = redact(sanitizeUntrusted(job.message));
    try {
      const [{ issue, thread }, prUrl] = await Promise.all([reading, prUrlRead]);
      const limits = this.promptLimits();
      const instructions = this.deps.instructionsFor?.(job.repo);
      const prompt = buildPrompt({
        job,
        issue,
        thread,
        message,
        limits,
        followUp: sessionId !== undefined,
        minRole: this.deps.minRole(job.repo),
        messageFile: paths.messageFile,
        ...(instructions !== undefined ? { instructions } : {}),
        ...(prUrl ? { prUrl } : {}),
      });
      // Owner-only, whatever the process umask (the state dir holds private code and issue text).
      // The folders, then the files, each group at once: none depends on another of its group.
      const folders = new Set([paths.promptFile, paths.sessionFile, paths.logFile].map((file) => path.dirname(file)));
      await Promise.all([...folders].map((folder) => mkdir(folder, { recursive: true, mode: 0o700 })));
      await Promise.all([
        writeFile(paths.promptFile, redact(prompt), { mode: 0o600 }),
        writeFile(paths.messageFile, message, { mode: 0o600 }),
        writeSessionFile(paths.sessionFile, sessionId ?? ''),
        // Created here so the agent's log (appended to by the adapter) is owner-only too.
        writeFile(paths.logFile, '', { mode: 0o600, flag: 'a' }),
      ]);
    } catch (err) {
      const why = err instanceof GiteaError ? `${err.message}. The issue could not be read; check that Gitea is up and GITEA_TOKEN can read issues.` : (err as Error).message;
      throw new PhaseError('prompt', why, { cause: err });
    }

    // One sandbox for everything the agent runs in this turn: the session import, the turn, the export.
    const turnSandbox = this.deps.sandbox.forTurn({
      worktree: wt.path,
      agentDir: wt.agentDir,
      gitObjects: wt.gitObjects,
      promptFile: paths.promptFile,
      messageFile: paths.messageFile,
      sessionFile: paths.sessionFile,
    });
    const place = (id: string): SessionPlace => ({
      issueKey: job.issueKey,
      sessionId: id,
      worktree: wt.path,
      agentDir: wt.agentDir,
      sessionFile: paths.sessionFile,
      env: run.env,
      sandbox: turnSandbox,
      timeoutMs: this.deps.sessionTransferTimeoutMs ?? SESSION_TRANSFER_TIMEOUT_MS,
    });
    // The issue's last turn may have run on another worker: its session comes through the engine.
    if (sessionId !== undefined && previous) await restoreTurnSession(log, agent, previous, place(sessionId));

    // The output goes into the engine too, batched, for dashboards on any machine (README "Dashboard").
    const output = new OutputBatcher({ write: (text) => store.appendOutput(job.id, text), logger: log });
    // kugetsu's own cost limit: the running turn is stopped once its reported cost passes it.
    const budget = new TurnBudget(run.maxTurnCostUsd, (usage) => this.priced(usage)!, signal);
    const runTurn = (session: string | undefined): Promise<AgentOutcome> =>
      agent.run({
        issueKey: job.issueKey,
        worktree: wt.path,
        branch: wt.branch,
        promptFile: paths.promptFile,
        // The message reaches the agent as data (the prompt, its own file and KUGETSU_MESSAGE), cleaned and masked like the prompt.
        message,
        messageFile: paths.messageFile,
        sessionId: session,
        sessionFile: paths.sessionFile,
        timeoutMs: run.timeoutMs,
        env: run.env,
        logFile: paths.logFile,
        redact,
        onOutput: (text) => output.push(text),
        onUsage: (usage) => budget.observe(usage),
        signal: budget.signal,
        sandbox: turnSandbox,
        agentDir: wt.agentDir,
      });
    let outcome: AgentOutcome;
    try {
      outcome = await runTurn(sessionId);
      if (outcome.sessionRejected && sessionId !== undefined && !signal.aborted) {
        // The agent no longer knows the stored session (its data dir was wiped, say): start afresh
        // in the same worktree rather than failing the request.
        this.deps.logger.warn({ job: job.id, issueKey: job.issueKey, sessionId }, 'agent rejected the stored session; starting a new one');
        await writeSessionFile(paths.sessionFile, '');
        sessionId = undefined;
        outcome = await runTurn(undefined);
      }
    } finally {
      budget.dispose();
      // The last output is in the engine before the job's end is recorded.
      await output.close();
    }
    if (isLeaseLost(signal)) {
      // Another worker may hold the job (and the issue's session) now: this turn records nothing.
      log.warn('lease lost during the turn; its session is not stored');
    } else {
      await storeTurnSession({ store, log }, { agent, previous, outcome, sessionId: outcome.sessionId ?? sessionId, place, issueKey: job.issueKey, worktree: wt });
    }

    const base: JobResult = {
      exitCode: outcome.exitCode,
      timedOut: outcome.timedOut,
      canceled: outcome.canceled,
      durationMs: Date.now() - started,
      sessionId: outcome.sessionId ?? sessionId,
      outputTail: redact(outcome.outputTail),
      summary: outcome.summary && redact(outcome.summary),
      newCommits: 0,
      pushed: false,
    };
    const usage = this.priced(outcome.usage) ?? budget.last;
    if (usage) base.usage = usage;
    const verdict = judgeTurn(outcome, { base, budgetExceeded: budget.exceeded, maxTurnCostUsd: budget.maxUsd, timeoutMs: run.timeoutMs, aborted: signal.aborted, redact });
    if (verdict?.result.stoppedBy === 'budget') {
      log.warn({ costUsd: budget.exceeded?.costUsd, maxTurnCostUsd: budget.maxUsd }, 'the turn passed its cost budget and was stopped');
    }
    if (verdict) return verdict;

    const published = await workspace.publish(repo, wt, `kugetsu: ${job.issueKey} (job ${job.id})\n\nRequested by @${job.sender.login}.`);
    return {
      state: 'succeeded',
      result: { ...base, durationMs: Date.now() - started, newCommits: published.newCommits, pushed: published.pushed, headSha: published.headSha },
    };
  }
}
