import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { issueCommentPayload, issueLabelPayload, serializePayload, type TemplateRepo } from '../../../src/sandbox/delivery-templates.js';
import type { FakeGitea, FakeIssue } from '../../../src/sandbox/fake-gitea.js';
import { startFakeGiteaServer, type FakeGiteaServer } from '../../../src/sandbox/fake-gitea-server.js';
import { FAKE_AGENT, isGone } from '../../agents/support.js';
import { createBareOrigin, makeTempDir, removeDir } from '../../support/git-fixtures.js';
import type { DeliverySpec } from './deliveries.js';
import { pollUntil } from './poll.js';

/** The webhook secret every fault test signs with. */
export const SECRET = 'faults-secret';
/** The repository every fault test works in. */
export const REPO = 'acme/app';

/** A test's world: a temp dir, a bare origin, the fake Gitea over HTTP with a repo and issues. */
export interface FaultWorld {
  tmp: string;
  /** `<tmp>/state`: the KUGETSU_STATE_DIR shared by every server start of the test. */
  stateDir: string;
  /** `<tmp>/state/kugetsu.db`. */
  dbFile: string;
  /** `<tmp>/agent-runs.log`: the fake agent's run log (see {@link agentCommand}). */
  runLog: string;
  origin: string;
  gitea: FakeGiteaServer;
  fake: FakeGitea;
  repo: TemplateRepo;
  issues: FakeIssue[];
  /**
   * Stops the fake and removes the temp dir (after the agents in the run log are gone). With
   * `KUGETSU_KEEP_FAULT_DIRS=1` the dir (server logs, state, run log) is kept and its path printed.
   */
  close(): Promise<void>;
}

/**
 * Builds a {@link FaultWorld}: temp dir, bare origin with one commit on `main`, the fake Gitea on
 * 127.0.0.1 with `acme/app` (clone_url = the origin, a `ready` label nobody carries) and `issues`
 * open issues by alice. No issue carries the trigger label, so start-up reconciliation admits nothing.
 */
export async function createWorld(options: { issues: number; prefix?: string }): Promise<FaultWorld> {
  const tmp = makeTempDir(options.prefix ?? 'kugetsu-faults-');
  const origin = createBareOrigin(tmp);
  const gitea = await startFakeGiteaServer();
  const fake = gitea.fake;
  fake.addRepo({ owner: 'acme', name: 'app', cloneUrl: origin });
  fake.setPermission('acme/app', 'alice', 'write');
  fake.addLabel(REPO, 'ready');
  const issues = Array.from({ length: options.issues }, (_v, i) => fake.addIssue(REPO, { title: `Task ${i + 1}`, body: `Please do task ${i + 1}.`, author: 'alice' }));
  const stateDir = path.join(tmp, 'state');
  mkdirSync(stateDir, { recursive: true });
  const runLog = path.join(tmp, 'agent-runs.log');
  return {
    tmp,
    stateDir,
    dbFile: path.join(stateDir, 'kugetsu.db'),
    runLog,
    origin,
    gitea,
    fake,
    repo: { owner: 'acme', name: 'app', cloneUrl: origin, htmlUrl: `${gitea.url}/acme/app`, defaultBranch: 'main' },
    issues,
    async close() {
      await waitAgentsGone(runLog, 10_000).catch(() => undefined);
      await gitea.close().catch(() => undefined);
      if (process.env.KUGETSU_KEEP_FAULT_DIRS === '1') console.log(`[faults] kept ${tmp}`);
      else removeDir(tmp);
    },
  };
}

/**
 * Adds a `/kugetsu <text>` comment by alice on issue `n` to the fake (Gitea stores the comment
 * before it delivers it) and returns the `issue_comment` delivery Gitea would send for it.
 */
export function commentDelivery(world: FaultWorld, n: number, text: string, tag: Record<string, unknown> = {}): DeliverySpec & { commentId: number } {
  const issue = world.fake.issue(REPO, n);
  const alice = world.fake.user('alice');
  const comment = world.fake.addComment(REPO, n, { body: `/kugetsu ${text}`, author: 'alice' });
  const body = serializePayload(
    issueCommentPayload({
      repo: world.repo,
      issue: { number: n, title: issue.title, body: issue.body },
      comment: { id: comment.id, body: comment.body },
      sender: { id: alice.id, login: alice.login },
    }),
  );
  return { body, eventType: 'issue_comment', commentId: comment.id, tag: { issue: n, commentId: comment.id, ...tag } };
}

/**
 * Puts the `ready` label on issue `n` in the fake and returns the `issue_label` delivery Gitea would
 * send (once confirmed, its content key names that addition in the issue timeline).
 */
export function labelDelivery(world: FaultWorld, n: number): DeliverySpec {
  const issue = world.fake.issue(REPO, n);
  const label = world.fake.repo(REPO).labels.find((l) => l.name === 'ready')!;
  // Added by alice, as the issue timeline then says (kugetsu reads who added it back from Gitea).
  if (!issue.labelIds.includes(label.id)) world.fake.labelIssue(REPO, n, 'ready', 'alice');
  const alice = world.fake.user('alice');
  const body = serializePayload(
    issueLabelPayload({
      repo: world.repo,
      issue: { number: n, title: issue.title, body: issue.body, labels: [{ id: label.id, name: label.name }] },
      sender: { id: alice.id, login: alice.login },
    }),
  );
  return { body, eventType: 'issue_label', tag: { issue: n, label: true } };
}

/**
 * The fake agent's argv for `KUGETSU_AGENT_COMMAND`: appends `start <issueKey> <message> <prompt
 * file> <pid>` to the run log, sleeps `sleepMs` (a random time in `[min, max]` for a pair), appends
 * `end …` with the same fields, exits 0. Fields are `|`-separated (see {@link agentRuns}). With
 * `ignoreTerm` the agent ignores SIGTERM (only SIGKILL stops it).
 */
export function agentCommand(world: FaultWorld, sleepMs: number | [min: number, max: number], options: { ignoreTerm?: boolean } = {}): string[] {
  const fields = '${KUGETSU_ISSUE_KEY}|${KUGETSU_MESSAGE}|${KUGETSU_PROMPT_FILE}|${PID}';
  const sleep = typeof sleepMs === 'number' ? `sleep:${sleepMs}` : `sleep-between:${sleepMs[0]}:${sleepMs[1]}`;
  return ['node', FAKE_AGENT, ...(options.ignoreTerm ? ['ignore-term'] : []), `append:${world.runLog}:start|${fields}`, sleep, `append:${world.runLog}:end|${fields}`];
}

/** One line of the run log. `job` is read from the prompt file name (`…/job-<id>.md`). */
export interface AgentRun {
  phase: 'start' | 'end';
  issueKey: string;
  message: string;
  job: string;
  pid: number;
}

/** The fake agent's run log, parsed (empty before the first run). */
export function agentRuns(runLog: string): AgentRun[] {
  if (!existsSync(runLog)) return [];
  return readFileSync(runLog, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [phase, issueKey, message, prompt, pid] = line.split('|');
      return { phase: phase as AgentRun['phase'], issueKey: issueKey!, message: message!, job: /job-(\d+)\.md$/.exec(prompt ?? '')?.[1] ?? '?', pid: Number(pid) };
    });
}

/** Agent processes that wrote `start` but no `end` (running, or killed before they finished). */
export function unfinishedRuns(runLog: string): AgentRun[] {
  const runs = agentRuns(runLog);
  const ended = new Set(runs.filter((r) => r.phase === 'end').map((r) => r.pid));
  return runs.filter((r) => r.phase === 'start' && !ended.has(r.pid));
}

/**
 * Waits (bounded) until every agent process named in the run log is gone: a SIGKILLed server
 * leaves its agents' process groups running, and the temp dir must outlive them.
 */
export async function waitAgentsGone(runLog: string, timeoutMs: number): Promise<void> {
  await pollUntil(() => unfinishedRuns(runLog).every((r) => isGone(r.pid)), { timeoutMs, intervalMs: 100, what: 'agent processes to exit' });
}

/** A status comment kugetsu keeps on an issue, found by its marker. */
export interface StatusComment {
  commentId: number;
  issue: number;
  job: string;
  body: string;
  /** The state its headline shows. */
  state: 'queued' | 'waiting' | 'running' | 'succeeded' | 'failed' | 'canceled' | 'unknown';
}

const MARKER = /<!-- kugetsu:status job=(\d+) /g;
const HEADLINE: Array<[StatusComment['state'], string]> = [
  ['queued', '⏳ **kugetsu** · queued'],
  ['waiting', '⏸️ **kugetsu** · waiting'],
  ['running', '🛠️ **kugetsu** · running'],
  ['succeeded', '✅ **kugetsu** · succeeded'],
  ['failed', '❌ **kugetsu** · failed'],
  ['canceled', '⏹️ **kugetsu** · canceled'],
];

/** The state a status comment body (or request body) shows, from its headline. */
export function shownState(body: string): StatusComment['state'] {
  return HEADLINE.find(([, text]) => body.includes(text))?.[0] ?? 'unknown';
}

/** Every comment in the fake that carries a status marker (one entry per marker occurrence). */
export function statusComments(fake: FakeGitea): StatusComment[] {
  const out: StatusComment[] = [];
  for (const c of fake.comments.values()) {
    for (const m of c.body.matchAll(MARKER)) {
      out.push({ commentId: c.id, issue: c.issueNumber, job: m[1]!, body: c.body, state: shownState(c.body) });
    }
  }
  return out.sort((a, b) => a.commentId - b.commentId);
}

/** The server environment of these tests, on top of which a test sets its own agent and limits. */
export function baseEnv(world: FaultWorld, extra: Record<string, string>): Record<string, string> {
  return {
    HOME: world.tmp,
    LANG: 'C',
    GITEA_URL: world.gitea.url,
    GITEA_TOKEN: world.fake.token,
    KUGETSU_WEBHOOK_SECRET: SECRET,
    KUGETSU_STATE_DIR: world.stateDir,
    KUGETSU_AGENT: 'command',
    KUGETSU_RECONCILE_INTERVAL_S: '0',
    // These tests are about durability under bursts, not abuse limits.
    KUGETSU_RATE_LIMIT_SENDER: '0',
    KUGETSU_RATE_LIMIT_REPO: '0',
    KUGETSU_MAX_QUEUED_PER_ISSUE: '1000',
    KUGETSU_LOG_LEVEL: 'debug',
    // The fault tests watch the fake agents from outside: a run log in the test's temp dir and the
    // agents' host pids (see agentCommand). A sandboxed agent could write neither, so they run
    // without it; test/security/sandbox-*.test.ts cover the sandbox itself.
    KUGETSU_AGENT_SANDBOX: 'off',
    ...extra,
  };
}
