/**
 * Redaction: the Gitea token and the webhook secret (and the token's base64 forms) are planted in
 * every input channel — issue title/body and comments in the payloads and in what Gitea returns,
 * the command message, a review, the agent's stdout/stderr, a failing git command whose clone URL
 * carries the token — and jobs run through a real service with its own logger (the product's
 * redacting pino logger on stdout, captured here). None of them may appear in the log, in any
 * request body sent to Gitea, in the prompt, log, session and worktree files or the git config
 * under the state dir, or in the agent's environment.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { issueCommentPayload, issueLabelPayload, reviewRejectedPayload, serializePayload, type TemplateRepo, type TemplateUser } from '../../src/sandbox/delivery-templates.js';
import type { FakeGitea } from '../../src/sandbox/fake-gitea.js';
import type { Service } from '../../src/service.js';
import { callFake, useFakeGitea } from '../support/fake-gitea.js';
import { createBareOrigin, makeTempDir, removeDir } from '../support/git-fixtures.js';
import { findSecrets, listFiles, scanFiles, startRealService, type Leak } from '../support/security-kit.js';
import { giteaHeaders } from '../support/signed-request.js';

const LEAKY_AGENT = fileURLToPath(new URL('../support/leaky-agent.mjs', import.meta.url));
const TOKEN = `tok${randomBytes(20).toString('hex')}`;
const SECRET = `whsec${randomBytes(16).toString('hex')}`;
const B64_TOKEN = Buffer.from(TOKEN).toString('base64').replace(/=+$/, '');
const B64_BASIC = Buffer.from(`kugetsu:${TOKEN}`).toString('base64').replace(/=+$/, '');
/** What must never appear anywhere. */
const NEEDLES: Record<string, string> = {
  token: TOKEN,
  'webhook secret': SECRET,
  'base64(token)': B64_TOKEN,
  'base64(kugetsu:token)': B64_BASIC,
  'base64(secret)': Buffer.from(SECRET).toString('base64').replace(/=+$/, ''),
};
/** Text carrying every secret, in several shapes, for each input channel. */
const PLANT = `token ${TOKEN} secret ${SECRET} b64 ${B64_TOKEN} basic ${B64_BASIC} url https://kugetsu:${TOKEN}@gitea.example/x.git <!-- ${TOKEN} -->`;

const gitea = useFakeGitea({ token: TOKEN, strict: false });

let tmp: string;
let origin: string;
let service: Service | undefined;

beforeEach(() => {
  tmp = makeTempDir('kugetsu-redaction-');
  origin = createBareOrigin(tmp);
});
afterEach(async () => {
  await service?.stop(5_000);
  service = undefined;
  removeDir(tmp);
});

/** A TCP port nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const { port } = srv.address() as { port: number };
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/** Captures what the product's own logger writes to stdout (JSON lines of service "kugetsu"). */
function captureStdout() {
  const original = process.stdout.write.bind(process.stdout);
  const chunks: string[] = [];
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    if (text.includes('"service":"kugetsu"')) {
      chunks.push(text);
      const cb = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
      cb?.();
      return true;
    }
    return original(chunk as string, ...(rest as []));
  }) as typeof process.stdout.write;
  return {
    text: () => chunks.join(''),
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    restore: () => {
      process.stdout.write = original;
    },
  };
}

function seed(fake: FakeGitea) {
  fake.addUser({ login: 'alice', token: 'alice-token-for-labels' });
  for (const repo of ['acme/app', 'acme/other']) {
    const [owner, name] = repo.split('/') as [string, string];
    fake.addRepo({ owner, name, cloneUrl: origin });
    fake.setPermission(repo, 'alice', 'write');
    fake.setPermission(repo, 'bob', 'write');
    fake.setPermission(repo, 'mallory', 'read');
  }
  const ready = fake.addLabel('acme/app', 'ready');
  const issue1 = fake.addIssue('acme/app', { title: `Fix login ${TOKEN}`, body: `Body with ${PLANT}`, author: 'bob' });
  fake.addComment('acme/app', issue1.number, { body: `I pasted this by mistake: ${PLANT}`, author: 'bob' });
  const issue2 = fake.addIssue('acme/app', { title: `Crash when secret is ${SECRET}`, body: `Second issue ${PLANT}`, author: 'bob' });
  fake.addComment('acme/app', issue2.number, { body: `More: ${PLANT}`, author: 'alice' });
  const issue3 = fake.addIssue('acme/app', { title: 'Clone from elsewhere', body: PLANT, author: 'alice' });
  const pr = fake.addPullRequest('acme/app', { title: `kugetsu: ${TOKEN}`, headRef: `kugetsu/issue-${issue1.number}`, author: 'kugetsu-bot' });
  const other1 = fake.addIssue('acme/other', { title: `Other ${TOKEN}`, body: PLANT, author: 'alice' });
  return { ready, issue1, issue2, issue3, pr, other1 };
}

const repoOf = (fake: FakeGitea, name = 'app', cloneUrl = origin): TemplateRepo => ({
  owner: 'acme',
  name,
  cloneUrl,
  htmlUrl: `${fake.baseUrl}/acme/${name}`,
  defaultBranch: 'main',
});

async function deliver(s: Service, fine: string, payload: unknown) {
  const body = serializePayload(payload);
  const res = await s.app.request('/webhooks/gitea', { method: 'POST', body, headers: giteaHeaders(body, fine, { secret: SECRET }) });
  return { status: res.status, json: (await res.json()) as Record<string, string> };
}

/** Delivers the `issue_comment` event of `comment` by `sender` on `issue` of `repo`; the answer as {@link deliver} gives it. */
function deliverComment(s: Service, repo: TemplateRepo, issue: { number: number; title: string; body: string }, comment: { id: number; body: string }, sender: TemplateUser) {
  return deliver(
    s,
    'issue_comment',
    issueCommentPayload({ repo, issue: { number: issue.number, title: issue.title, body: issue.body }, comment: { id: comment.id, body: comment.body }, sender }),
  );
}

describe('the token and the webhook secret never leave kugetsu', () => {
  it('planted in every input channel, they reach no log line, no Gitea write, no file under the state dir and not the agent environment', { timeout: 60_000 }, async () => {
    const fake = gitea.fake;
    const { ready, issue1, issue2, issue3, pr, other1 } = seed(fake);
    const stateDir = path.join(tmp, 'state');
    // Inside the worktree: the sandboxed agent can write nowhere else that kugetsu keeps.
    const envDumps = '{worktree}/agent-env';
    const port = await closedPort();
    const tokenUrl = `https://x:${TOKEN}@127.0.0.1:${port}/${SECRET}/r.git`;
    const stdout = captureStdout();
    const answers: Array<{ what: string; status: number; json: Record<string, string> }> = [];
    try {
      service = await startRealService({
        giteaUrl: fake.baseUrl,
        token: TOKEN,
        secret: SECRET,
        stateDir,
        agentArgv: ['node', LEAKY_AGENT, '--env-dump', envDumps, '--say', `stdout ${PLANT}`, '--warn', `stderr ${PLANT}`, '--prompt', '{promptFile}'],
        // Even an allowlist that asks for everything must not hand kugetsu's credentials to the agent.
        env: { KUGETSU_LOG_LEVEL: 'debug', KUGETSU_AGENT_ENV: '*TOKEN,GITEA_*,*SECRET*,KUGETSU_*' },
      });
      const s = service;
      const alice = fake.user('alice');

      // 1. A command whose message carries the secrets, on an issue whose title, body and comments carry them.
      const c1 = fake.addComment('acme/app', issue1.number, { body: `/kugetsu please use ${PLANT}\nand on a second line ${TOKEN}`, author: 'alice' });
      const r1 = await deliverComment(s, repoOf(fake), issue1, c1, alice);
      answers.push({ what: 'command on #1', ...r1 });
      await s.idle();

      // 2. The trigger label (added by alice through the API), payload title/body with the secrets; this agent run fails (exit 3).
      const added = await callFake(fake, 'POST', `/repos/acme/app/issues/${issue2.number}/labels`, { labels: [ready.id] }, 'alice-token-for-labels');
      expect(added.status).toBe(200);
      const r2 = await deliver(
        s,
        'issue_label',
        issueLabelPayload({
          repo: repoOf(fake),
          issue: { number: issue2.number, title: issue2.title, body: issue2.body, labels: [{ id: ready.id, name: 'ready' }] },
          sender: alice,
        }),
      );
      answers.push({ what: 'label on #2', ...r2 });
      // 3. Changes requested on kugetsu's PR, with the secrets in the review.
      fake.addReview('acme/app', pr.number, { author: 'alice', body: `Please fix: ${PLANT}` });
      const r3 = await deliver(
        s,
        'pull_request_review_rejected',
        reviewRejectedPayload({
          repo: repoOf(fake),
          pull: { number: pr.number, title: pr.title, headRef: `kugetsu/issue-${issue1.number}` },
          review: `Please fix: ${PLANT}`,
          sender: alice,
        }),
      );
      answers.push({ what: 'review on PR', ...r3 });
      // 4. A command by someone with read access only (refused), carrying the secrets.
      const c4 = fake.addComment('acme/app', issue3.number, { body: `/kugetsu leak ${PLANT}`, author: 'mallory' });
      const r4 = await deliverComment(s, repoOf(fake), issue3, c4, fake.user('mallory'));
      answers.push({ what: 'refused command by mallory', ...r4 });
      await s.idle();

      // 5. git errors: clone URLs with the token as userinfo and the secret in the path, on a closed port —
      //    a fetch into the existing clone of acme/app, and a first clone of acme/other. kugetsu clones
      //    what Gitea's API answers (as with a misconfigured ROOT_URL), never a payload's clone_url.
      fake.repo('acme/app').cloneUrl = tokenUrl;
      fake.repo('acme/other').cloneUrl = tokenUrl;
      const c5 = fake.addComment('acme/app', issue3.number, { body: `/kugetsu fetch fails ${PLANT}`, author: 'alice' });
      const r5 = await deliverComment(s, repoOf(fake, 'app', tokenUrl), issue3, c5, alice);
      answers.push({ what: 'command on #3 with a token clone URL (fetch)', ...r5 });
      const c6 = fake.addComment('acme/other', other1.number, { body: `/kugetsu clone fails ${PLANT}`, author: 'alice' });
      const r6 = await deliverComment(s, repoOf(fake, 'other', tokenUrl), other1, c6, alice);
      answers.push({ what: 'command on acme/other#1 with a token clone URL (clone)', ...r6 });
      await s.idle();

      const jobs = (await s.store.recent(20)).reverse();
      // The agent's output as the engine keeps it (what the dashboard and `kugetsu jobs logs` show).
      const engineOutput = new Map<string, string>();
      for (const job of jobs) engineOutput.set(job.id, (await s.store.readOutput(job.id)).text);
      await s.stop(5_000);
      service = undefined;

      // The scenario happened as planned (otherwise the scans below would prove nothing).
      expect(answers.map((a) => `${a.what}: ${a.status}`)).toEqual([
        'command on #1: 202',
        'label on #2: 202',
        'review on PR: 202',
        'refused command by mallory: 200',
        'command on #3 with a token clone URL (fetch): 202',
        'command on acme/other#1 with a token clone URL (clone): 202',
      ]);
      expect(jobs.map((j) => `${j.issueKey} ${j.trigger} ${j.state}${j.result?.failedPhase ? ` (${j.result.failedPhase})` : ''}`)).toEqual([
        'acme/app#1 command succeeded',
        'acme/app#2 label failed (agent)',
        'acme/app#1 review succeeded',
        'acme/app#3 command failed (clone)',
        'acme/other#1 command failed (clone)',
      ]);
      const lines = stdout.lines();
      expect(
        lines.some((l) => l.msg === 'delegation queued'),
        'the product logger was captured',
      ).toBe(true);
      expect(lines.some((l) => l.msg === 'job finished')).toBe(true);

      const leaks: Record<string, Leak[]> = {};
      // Log lines.
      leaks.log = findSecrets('stdout log', stdout.text(), NEEDLES);
      // Every request sent to Gitea: path and body (status comments, replies, reactions, label removals).
      const calls = fake.takeCalls();
      leaks.gitea = calls.flatMap((c, i) =>
        findSecrets(`Gitea call ${i}: ${c.method} ${c.path.split('?')[0]}`, `${c.path} ${c.body === undefined ? '' : JSON.stringify(c.body)}`, NEEDLES),
      );
      const botComments = [...fake.comments.values()].filter((c) => c.authorId === fake.bot.id);
      expect(botComments.length, 'status comments and the refusal reply').toBeGreaterThanOrEqual(6);
      expect(
        botComments.some((c) => c.body.includes('***')),
        'a status comment shows the masked message',
      ).toBe(true);
      expect(
        botComments.some((c) => /needs write permission/.test(c.body)),
        'the refusal reply',
      ).toBe(true);

      // Files under the state dir, by kind (the SQLite database is not a place this test makes promises about).
      const files = listFiles(stateDir).filter((f) => !/kugetsu\.db(-wal|-shm)?$/.test(f));
      const rel = (f: string) => path.relative(stateDir, f);
      const prompts = files.filter((f) => rel(f).startsWith(`prompts${path.sep}`));
      const logFiles = files.filter((f) => rel(f).startsWith(`logs${path.sep}`));
      const gitConfigs = files.filter((f) => (path.basename(f) === 'config' && /(\.git|\.git\.tmp-[^/]*)$/.test(path.dirname(f))) || /\.git[/\\]config$/.test(f));
      const worktreeFiles = files.filter((f) => rel(f).startsWith(`worktrees${path.sep}`) && !rel(f).includes(`${path.sep}.git${path.sep}`));
      const rest = files.filter((f) => !prompts.includes(f) && !logFiles.includes(f) && !gitConfigs.includes(f) && !worktreeFiles.includes(f));
      expect(prompts.length, 'prompt files').toBeGreaterThanOrEqual(3);
      expect(
        prompts.some((f) => readFileSync(f, 'utf8').includes('***')),
        'a prompt shows masked text',
      ).toBe(true);
      expect(logFiles.length, 'agent log files').toBeGreaterThanOrEqual(3);
      expect(
        gitConfigs.some((f) => rel(f).startsWith(`repos${path.sep}acme${path.sep}app.git`)),
        `git configs: ${gitConfigs.map(rel).join(', ')}`,
      ).toBe(true);
      expect(
        worktreeFiles.some((f) => path.basename(f) === 'prompt-copy.md'),
        'the agent copied its prompt into the worktree',
      ).toBe(true);
      leaks.prompts = scanFiles(prompts, NEEDLES);
      leaks.agentLogs = scanFiles(logFiles, NEEDLES);
      leaks.gitConfig = scanFiles(gitConfigs, NEEDLES);
      leaks.worktrees = scanFiles(worktreeFiles, NEEDLES);
      leaks.otherStateFiles = scanFiles(rest, NEEDLES);

      // The agent's environment: no GITEA_TOKEN, no KUGETSU_* setting, no value carrying a secret.
      const worktreesDir = path.join(stateDir, 'worktrees', 'acme', 'app');
      const dumps = readdirSync(worktreesDir).flatMap((wt) => {
        const dir = path.join(worktreesDir, wt, 'agent-env');
        return existsSync(dir) ? readdirSync(dir).map((f) => path.join(dir, f)) : [];
      });
      expect(dumps.length, 'agent runs that dumped their environment').toBe(3);
      leaks.agentEnv = [];
      for (const d of dumps) {
        const env = JSON.parse(readFileSync(d, 'utf8')) as Record<string, string>;
        expect.soft(env.GITEA_TOKEN, `${d}: GITEA_TOKEN`).toBeUndefined();
        expect
          .soft(
            Object.keys(env).filter((k) => /^KUGETSU_(WEBHOOK|REPO_SECRETS|ALLOW|AGENT_ENV|AGENT_COMMAND)/.test(k)),
            `${d}: kugetsu settings`,
          )
          .toEqual([]);
        for (const [k, v] of Object.entries(env)) leaks.agentEnv.push(...findSecrets(`${d}: ${k}`, v, NEEDLES));
      }
      // The engine has each job's output as its log file has it: masked the same, nothing lost.
      leaks.engineOutput = [];
      for (const job of jobs) {
        const file = path.join(stateDir, 'logs', `job-${job.id}.log`);
        const text = engineOutput.get(job.id) ?? '';
        expect.soft(text, `engine output of job ${job.id}`).toBe(existsSync(file) ? readFileSync(file, 'utf8') : '');
        leaks.engineOutput.push(...findSecrets(`engine output of job ${job.id}`, text, NEEDLES));
      }
      expect([...engineOutput.values()].filter((t) => /^GITEA_TOKEN=$/m.test(t)).length, 'jobs whose agent output reached the engine').toBeGreaterThanOrEqual(3);
      // The agent printed GITEA_TOKEN= with an empty value (see leaky-agent.mjs) in every log.
      for (const f of logFiles) expect.soft(readFileSync(f, 'utf8'), rel(f)).toMatch(/^GITEA_TOKEN=$/m);

      for (const [channel, found] of Object.entries(leaks)) {
        expect
          .soft(
            found.map((l) => `${l.secret} in ${l.where.startsWith(tmp) ? path.relative(tmp, l.where) : l.where}: …${l.excerpt}…`),
            `secrets leaked into ${channel}`,
          )
          .toEqual([]);
      }
    } finally {
      stdout.restore();
    }
  });
});
