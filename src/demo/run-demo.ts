import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { startHttpServer } from '../ingress/start-http-server.js';
import { loadConfig } from '../config/load-config.js';
import { MARKER_PREFIX } from '../domain/marker.js';
import { signBody } from '../ingress/verify-signature.js';
import { createLogger } from '../log/logger.js';
import { createRedactor } from '../log/redact.js';
import { issueCommentPayload, issueLabelPayload, serializePayload } from '../sandbox/delivery-templates.js';
import { sandboxGit } from '../sandbox/local-origin.js';
import { createSandbox, type Sandbox } from '../sandbox/sandbox.js';
import { createService } from '../service.js';
import type { Job } from '../domain/job.js';

/** One version of a status comment as Gitea received it (create, then each edit). */
export interface TrailEntry {
  commentId: number | undefined;
  action: 'created' | 'edited';
  body: string;
}

/** What the demo did, for printing and for the end-to-end test. */
export interface DemoResult {
  /** HTTP answers to the two signed deliveries. */
  answers: Array<{ status: number; body: Record<string, unknown> }>;
  /** Every status comment write, in order. */
  trail: TrailEntry[];
  jobs: Job[];
  /** `git log --oneline main..kugetsu/issue-1` on the origin. */
  branchLog: string;
  /** The file the agent wrote, as pushed to the origin. */
  greeting: string;
  sandbox: Sandbox;
}

/**
 * The main job, end to end, on this machine alone: a fake Gitea and a scripted model on
 * 127.0.0.1, a local origin repository, and the real kugetsu service (HTTP server on loopback)
 * running the **real opencode binary**. Sends a signed `issue_label` delivery (the `ready`
 * label), waits for the job, then a signed `/kugetsu` comment that continues the session.
 *
 * @param options.dir a fresh directory for everything (state dir, origin, opencode home).
 * @param options.opencodeBin path of the opencode binary (the devDependency's `node_modules/.bin/opencode`).
 * @param options.print progress lines for a person watching.
 * @throws when a delivery is not accepted; a failed job is reported in the result, not thrown.
 */
export async function runDemo(options: { dir: string; opencodeBin: string; print: (line: string) => void }): Promise<DemoResult> {
  const { dir, print } = options;
  const sandbox = await createSandbox({ dir: path.join(dir, 'sandbox') });
  for (const w of sandbox.opencode.warnings) print(`warning: ${w}`);
  const fake = sandbox.gitea.fake;
  const secret = randomBytes(16).toString('hex');
  const config = loadConfig(
    {
      GITEA_URL: sandbox.gitea.url,
      GITEA_TOKEN: fake.token,
      KUGETSU_WEBHOOK_SECRET: secret,
      KUGETSU_STATE_DIR: path.join(dir, 'state'),
      KUGETSU_OPENCODE_BIN: options.opencodeBin,
      KUGETSU_AGENT_TIMEOUT_S: '300',
    },
    dir,
  );
  config.agentEnv = sandbox.opencode.env;
  const logFile = path.join(dir, 'kugetsu.log');
  const logger = createLogger({ level: 'debug', redact: createRedactor([config.giteaToken, secret]), destination: createWriteStream(logFile) });
  const service = createService(config, { logger });
  await service.start();
  const { server } = await startHttpServer(service.app, { port: 0, host: '127.0.0.1', headersMs: config.door.headersMs, requestMs: config.door.requestMs });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/gitea`;
  print(`kugetsu is listening on ${url} (fake Gitea at ${sandbox.gitea.url}, model at ${sandbox.model.url})`);
  print(`log: ${logFile}`);

  const answers: DemoResult['answers'] = [];
  let jobs: Job[] = [];
  const post = async (eventType: string, payload: unknown) => {
    const body = serializePayload(payload);
    const delivery = crypto.randomUUID();
    const res = await fetch(url, {
      method: 'POST',
      body,
      headers: {
        'content-type': 'application/json',
        'x-gitea-delivery': delivery,
        'x-gitea-event': eventType === 'issue_label' ? 'issues' : 'issue_comment',
        'x-gitea-event-type': eventType,
        'x-gitea-signature': signBody(body, secret),
      },
    });
    const answer = { status: res.status, body: (await res.json()) as Record<string, unknown> };
    answers.push(answer);
    print(`→ POST ${eventType} delivery ${delivery} (${Buffer.byteLength(body)} bytes, signed) ← ${answer.status} ${JSON.stringify(answer.body)}`);
    if (answer.status !== 202) throw new Error(`the delivery was not accepted: ${answer.status} ${JSON.stringify(answer.body)}`);
  };

  try {
    print('');
    print(`1. @alice adds the label "ready" to demo/hello#${sandbox.issue.number} "${sandbox.issue.title}"`);
    await post('issue_label', issueLabelPayload({ repo: sandbox.repo, issue: sandbox.issue, sender: sandbox.alice }));
    await service.idle();

    print('');
    const comment = fake.addComment('demo/hello', sandbox.issue.number, { body: '/kugetsu please also say goodbye', author: 'alice' });
    print(`2. @alice comments "${comment.body}"`);
    await post('issue_comment', issueCommentPayload({ repo: sandbox.repo, issue: sandbox.issue, comment: { id: comment.id, body: comment.body }, sender: sandbox.alice }));
    await service.idle();
    jobs = (await Promise.all(['1', '2'].map((id) => service.store.get(id)))).filter((j): j is Job => j !== undefined);
  } finally {
    await service.stop(1000);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await sandbox.close();
  }

  const trail: TrailEntry[] = [];
  for (const call of fake.calls) {
    const body = (call.body as { body?: unknown } | undefined)?.body;
    if (typeof body !== 'string' || !body.startsWith(MARKER_PREFIX)) continue;
    if (call.method === 'POST') trail.push({ commentId: undefined, action: 'created', body });
    if (call.method === 'PATCH') trail.push({ commentId: Number(call.path.split('/').pop()), action: 'edited', body });
  }
  const branch = `kugetsu/issue-${sandbox.issue.number}`;
  const branchLog = sandboxGit(sandbox.origin, ['log', '--oneline', `main..${branch}`]);
  const greeting = sandboxGit(sandbox.origin, ['show', `${branch}:GREETING.md`]);
  return { answers, trail, jobs, branchLog, greeting, sandbox };
}
