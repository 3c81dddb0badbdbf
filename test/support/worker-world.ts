import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../src/config/load-config.js';
import { signBody } from '../../src/ingress/verify-signature.js';
import { issueCommentPayload, issueLabelPayload, serializePayload } from '../../src/sandbox/delivery-templates.js';
import { createSandbox, type Sandbox } from '../../src/sandbox/sandbox.js';
import type { FakeScript } from '../../src/sandbox/fake-model.js';
import { createService, type Service } from '../../src/service.js';
import type { Job } from '../../src/domain/job.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import { memoryLogger } from './test-logger.js';

/** One kugetsu process of a {@link WorkerWorld}: its service, state dir and log lines. */
export interface Member {
  service: Service;
  stateDir: string;
  logs: ReturnType<typeof memoryLogger>;
}

/**
 * Several kugetsu services in this process, as on several machines: an ingress (`serve
 * --no-worker`) and workers `a`, `b`, each with a state dir of its own, all on ONE SQLite database
 * file (each opens its own connection to it) — against the fake Gitea (over loopback HTTP), a local
 * origin and the scripted model of `createSandbox`. Agent turns run in the real bwrap sandbox.
 */
export interface WorkerWorld {
  sandbox: Sandbox;
  ingress: Member;
  /** Starts worker `name` (again: a new service on the same state dir, as after a restart), `env` added to its environment. */
  startWorker(name: string, env?: Record<string, string>): Promise<Member>;
  /** Stops worker `name` (its running turns get 5 s), and closes its database connection. */
  stopWorker(name: string): Promise<void>;
  /** `<dir>/<name>`: the state dir of worker `name` (or `ingress`). */
  stateDir(name: string): string;
  /** Sends the `ready` label delivery of issue `n` to the ingress; the job id. */
  label(n: number): Promise<string>;
  /** Adds alice's comment on issue `n` to the fake and sends its delivery to the ingress; the job id. */
  comment(n: number, body: string): Promise<string>;
  /** Waits until job `id` finished (any final state), at most `timeoutMs`; the job. */
  finished(id: string, timeoutMs?: number): Promise<Job>;
  /** The worker id that claimed job `id` (its last attempt), from the job's history. */
  claimedBy(id: string): Promise<string | undefined>;
  /**
   * The body of the bot's status comment of job `id` on issue `n` (the comment whose marker names
   * the job) once it contains `text`, polled every 100 ms; throws, with the body last seen, after
   * `timeoutMs` (default 20,000 ms).
   */
  statusComment(n: number, id: string, text: string, timeoutMs?: number): Promise<string>;
  close(): Promise<void>;
}

/**
 * Builds a {@link WorkerWorld} in `dir` (created; removed by `close`). `env` is added to every
 * service's environment (e.g. the agent: `KUGETSU_AGENT`, `KUGETSU_OPENCODE_BIN`, …). Workers poll
 * the engine every 100 ms (their connections do not share in-process events). `giteaToken` is the
 * bot's token (the fake's and `GITEA_TOKEN`); `signWith` the secret deliveries are signed with
 * (default: a random `KUGETSU_WEBHOOK_SECRET` the world sets; give your own when `env` sets
 * `KUGETSU_WEBHOOK_SECRET` or a per-repository secret).
 */
export async function createWorkerWorld(dir: string, options: { env: Record<string, string>; script?: FakeScript; giteaToken?: string; signWith?: string }): Promise<WorkerWorld> {
  mkdirSync(dir, { recursive: true });
  const sandbox = await createSandbox({
    dir: path.join(dir, 'sandbox'),
    ...(options.script ? { script: options.script } : {}),
    ...(options.giteaToken !== undefined ? { giteaToken: options.giteaToken } : {}),
  });
  const fake = sandbox.gitea.fake;
  const secret = options.signWith ?? randomBytes(16).toString('hex');
  const dbFile = path.join(dir, 'engine', 'kugetsu.db');
  mkdirSync(path.dirname(dbFile), { recursive: true });
  const stateDir = (name: string) => path.join(dir, name);
  const build = async (name: string, role: 'ingress' | 'worker', env: Record<string, string> = {}): Promise<Member> => {
    const config = loadConfig(
      {
        GITEA_URL: sandbox.gitea.url,
        GITEA_TOKEN: fake.token,
        KUGETSU_WEBHOOK_SECRET: secret,
        KUGETSU_STATE_DIR: stateDir(name),
        KUGETSU_AGENT_TIMEOUT_S: '300',
        KUGETSU_RECONCILE_INTERVAL_S: '0',
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        ...options.env,
        ...env,
      },
      dir,
    );
    config.agentEnv = { ...sandbox.opencode.env, ...config.agentEnv };
    const logs = memoryLogger();
    const service = createService(config, {
      role,
      logger: logs.logger,
      store: openSqliteStore({ file: dbFile }),
      outboxBackoff: { baseMs: 20, maxMs: 200 },
      workerTiming: { pollMs: 100, reapMs: 500 },
    });
    await service.start();
    return { service, stateDir: stateDir(name), logs };
  };
  const ingress = await build('ingress', 'ingress');
  const workers = new Map<string, Member>();

  const deliver = async (eventType: 'issue_label' | 'issue_comment', payload: unknown): Promise<string> => {
    const body = serializePayload(payload);
    const res = await ingress.service.app.request('/webhooks/gitea', {
      method: 'POST',
      body,
      headers: {
        'content-type': 'application/json',
        'x-gitea-delivery': randomUUID(),
        'x-gitea-event': eventType === 'issue_label' ? 'issues' : 'issue_comment',
        'x-gitea-event-type': eventType,
        'x-gitea-signature': signBody(body, secret),
      },
    });
    const answer = (await res.json()) as { job?: string };
    if (res.status !== 202 || !answer.job) throw new Error(`delivery not accepted: ${res.status} ${JSON.stringify(answer)}`);
    return answer.job;
  };
  const issueOf = (n: number) => {
    const i = fake.issue('demo/hello', n);
    const labels = fake.repo('demo/hello').labels;
    return { number: n, title: i.title, body: i.body, labels: i.labelIds.map((id) => ({ id, name: labels.find((l) => l.id === id)?.name ?? '' })) };
  };

  return {
    sandbox,
    ingress,
    stateDir,
    async startWorker(name, env) {
      if (workers.has(name)) throw new Error(`worker ${name} runs already`);
      const member = await build(name, 'worker', env);
      workers.set(name, member);
      return member;
    },
    async stopWorker(name) {
      await workers.get(name)?.service.stop(5_000);
      workers.delete(name);
    },
    label: (n) => deliver('issue_label', issueLabelPayload({ repo: sandbox.repo, issue: issueOf(n), sender: sandbox.alice })),
    comment(n, body) {
      const c = fake.addComment('demo/hello', n, { body, author: 'alice' });
      return deliver('issue_comment', issueCommentPayload({ repo: sandbox.repo, issue: issueOf(n), comment: { id: c.id, body: c.body }, sender: sandbox.alice }));
    },
    async finished(id, timeoutMs = 120_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const job = await ingress.service.store.get(id);
        if (job && ['succeeded', 'failed', 'canceled'].includes(job.state)) return job;
        if (Date.now() > deadline) throw new Error(`job ${id} did not finish within ${timeoutMs} ms (state ${job?.state})`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    async claimedBy(id) {
      const claims = (await ingress.service.store.history(id)).map((e) => /^attempt \d+ on (.+)$/.exec(e.detail ?? '')?.[1]).filter((w): w is string => w !== undefined);
      return claims.at(-1);
    },
    async statusComment(n, id, text, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const body = fake.commentsOn('demo/hello', n).find((c) => c.authorId === fake.bot.id && c.body.includes(`status job=${id} `))?.body;
        if (body?.includes(text)) return body;
        if (Date.now() > deadline) throw new Error(`no status comment with ${JSON.stringify(text)} for job ${id} on #${n}: ${body}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    async close() {
      for (const member of workers.values()) await member.service.stop(5_000);
      workers.clear();
      await ingress.service.stop(5_000);
      await sandbox.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
