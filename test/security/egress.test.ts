import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nativeBinary } from '../../src/agents/native-binary.js';
import { startFakeAnthropicModel } from '../../src/sandbox/fake-anthropic-model.js';
import { startFakeResponsesModel } from '../../src/sandbox/fake-responses-model.js';
import type { FakeScript } from '../../src/sandbox/fake-model.js';
import type { ScriptedModel } from '../../src/sandbox/fake-model-common.js';
import type { Job } from '../../src/domain/job.js';
import { CLAUDE_BIN, CODEX_BIN } from '../agents/cli-agent-world.js';
import { claudeEnv, codexEnv, everythingSent, FAKE_ANTHROPIC_KEY, FAKE_OPENAI_KEY } from '../support/cli-agent-env.js';
import { OPENCODE_BIN } from '../agents/support.js';
import { isLoopback, readEgressRecord, writeTracingWrapper, type EgressRecord } from '../support/egress-trace.js';
import { startProxyTrap, type ProxyTrap } from '../support/proxy-trap.js';
import { createWorkerWorld, type Member } from '../support/worker-world.js';

/**
 * Issue 14, "no request leaves 127.0.0.1; neither the Gitea token nor the webhook secret reaches
 * the model or the agent's env" — for each real agent CLI (opencode, Claude Code, Codex), through
 * kugetsu (fake Gitea, a label → job → a real turn in the real bubblewrap sandbox, then a
 * `/kugetsu` follow-up that resumes the session):
 *
 * - the agent binary is a wrapper that runs it under strace (`test/support/egress-trace.ts`), so
 *   every connect/send of its whole process tree (the tools it runs included) is recorded, and
 *   every proxy variable points at a trap on 127.0.0.1 that records any connection
 *   (`test/support/proxy-trap.ts`). Every IPv4/IPv6 peer must be loopback, at the fake model's port
 *   (or the trap's, which must then have recorded nothing), never port 53; and the model's port
 *   must be among them, so the check cannot pass on an empty recording;
 * - kugetsu gets distinctive secrets (Gitea token, webhook secret, a per-repository secret, the
 *   dashboard's session and OAuth client secrets; each service makes its admin token): none may
 *   appear in anything the model received (bodies and headers — the agent's tool also sends its
 *   whole environment there), in the agent's environment or that of any process it started (the
 *   wrapper's `env` dump and every execve's environment in the trace), in the job's output kept in
 *   the engine or its log file. The issue body and the `/kugetsu` comment carry the secrets too:
 *   README "Security model" → "Redaction" promises them masked as `***` in the prompt, so the model
 *   sees `***` and never the values. And the token did reach the fake Gitea (the bot's comments).
 */

const NODE_MODULES = realpathSync(fileURLToPath(new URL('../../node_modules', import.meta.url)));

/** Distinctive values, so that a hit is never a coincidence. */
function distinctSecrets() {
  const r = () => randomBytes(12).toString('hex');
  return {
    giteaToken: `gitea-token-${r()}`,
    webhookSecret: `webhook-secret-${r()}`,
    repoSecret: `repo-secret-${r()}`,
    sessionSecret: `session-secret-${r()}${r()}`,
    oauthClientSecret: `oauth-client-secret-${r()}`,
  };
}

/** Every proxy variable, upper and lower case, at the trap; loopback exempted so the model is reached directly. */
function proxyEnv(trap: ProxyTrap): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of ['HTTP_PROXY', 'HTTPS_PROXY', 'ALL_PROXY']) {
    env[name] = trap.url;
    env[name.toLowerCase()] = trap.url;
  }
  env.NO_PROXY = env.no_proxy = '127.0.0.1,localhost,::1';
  return env;
}

/** What one adapter's world needs. */
interface EgressSetup {
  /** Environment of every service (agent kind, its bin = the tracing wrapper, model settings). */
  env: Record<string, string>;
  /** The port of the model the agent must talk to. */
  modelPort: number;
  /** Everything the model received (bodies and headers), as text. */
  modelSaw: () => string;
}

/** The world of one adapter, with its secrets and trap; `setup` builds the model and the env. */
async function egressWorld(name: string, setup: (wrapperDir: string) => Promise<EgressSetup>, script?: FakeScript) {
  const dir = path.join(tmpdir(), `kugetsu-egress-${name}-${process.pid}-${Date.now()}`);
  const wrapperDir = path.join(dir, 'bin');
  mkdirSync(wrapperDir, { recursive: true });
  const secrets = distinctSecrets();
  const trap = await startProxyTrap();
  const s = await setup(wrapperDir);
  const world = await createWorkerWorld(path.join(dir, 'world'), {
    giteaToken: secrets.giteaToken,
    signWith: secrets.repoSecret,
    ...(script ? { script } : {}),
    env: {
      KUGETSU_WEBHOOK_SECRET: secrets.webhookSecret,
      KUGETSU_REPO_SECRETS: 'demo/hello=HOOK_SECRET_DEMO',
      HOOK_SECRET_DEMO: secrets.repoSecret,
      KUGETSU_SESSION_SECRET: secrets.sessionSecret,
      KUGETSU_OAUTH_CLIENT_ID: 'kugetsu-dashboard',
      KUGETSU_OAUTH_CLIENT_SECRET: secrets.oauthClientSecret,
      KUGETSU_PUBLIC_URL: 'http://127.0.0.1:9',
      // The real binaries behind the wrappers (a `node_modules` tree) must be visible in the sandbox.
      KUGETSU_AGENT_SANDBOX_RO_PATHS: NODE_MODULES,
      KUGETSU_AGENT_ENV: 'ALL_PROXY,all_proxy',
      ...proxyEnv(trap),
      ...s.env,
    },
  });
  return { dir, world, trap, secrets, setup: s };
}

type Egress = Awaited<ReturnType<typeof egressWorld>>;

/** Stops the world, the trap and an adapter's own model, and removes the test's directory. */
async function closeEgress(e: Egress | undefined, model?: ScriptedModel): Promise<void> {
  await e?.world.close();
  await e?.trap.close();
  await model?.close();
  if (e) rmSync(e.dir, { recursive: true, force: true });
}

/** A new issue whose body carries every secret, labelled `ready` by alice; its number. */
function issueWithSecrets(e: Egress): number {
  const list = Object.values(e.secrets).join(' ');
  return e.world.sandbox.gitea.fake.addIssue('demo/hello', {
    title: 'Write EGRESS.md',
    body: `Please write EGRESS.md. (Pasted by mistake: ${list})`,
    author: 'alice',
    labels: ['ready'],
    labeledBy: 'alice',
  }).number;
}

/** Runs a label turn and a `/kugetsu` follow-up (both carrying the secrets) on worker `a`; both jobs. */
async function twoTurns(e: Egress): Promise<{ worker: Member; jobs: Job[]; issue: number }> {
  const worker = await e.world.startWorker('a');
  const issue = issueWithSecrets(e);
  const job1 = await e.world.finished(await e.world.label(issue), 300_000);
  expect(job1, JSON.stringify(job1.result)).toMatchObject({ state: 'succeeded', result: { exitCode: 0, pushed: true } });
  const job2 = await e.world.finished(
    await e.world.comment(issue, `/kugetsu please continue; the token is ${e.secrets.giteaToken} and the secret ${e.secrets.webhookSecret}`),
    300_000,
  );
  expect(job2, JSON.stringify(job2.result)).toMatchObject({ state: 'succeeded', result: { exitCode: 0, sessionId: job1.result!.sessionId } });
  return { worker, jobs: [job1, job2], issue };
}

/** The network assertions: only loopback, only the model (or the empty trap), never DNS; the model WAS seen. */
function expectLoopbackOnly(rec: EgressRecord, e: Egress): void {
  expect(rec.traces).toBeGreaterThanOrEqual(2);
  const egress = rec.inet.filter((a) => a.syscall !== 'bind');
  const offLoopback = egress.filter((a) => !isLoopback(a.address));
  expect(offLoopback, 'connections off loopback').toEqual([]);
  expect(
    egress.filter((a) => a.port === 53),
    'DNS',
  ).toEqual([]);
  const ports = [...new Set(egress.map((a) => a.port))];
  expect(
    ports.filter((p) => p !== e.setup.modelPort && p !== e.trap.port),
    `ports besides the model's ${e.setup.modelPort}`,
  ).toEqual([]);
  expect(ports).toContain(e.setup.modelPort);
  expect(e.trap.connections, 'requests sent to the proxy trap').toEqual([]);
}

/** The secret assertions (see the file's docstring). */
async function expectNoSecretLeaks(rec: EgressRecord, e: Egress, run: { worker: Member; jobs: Job[]; issue: number }): Promise<void> {
  const adminTokens = [e.world.stateDir('ingress'), run.worker.stateDir].map((d) => readFileSync(path.join(d, 'admin-token'), 'utf8').trim());
  const secrets: Record<string, string> = { ...e.secrets, adminToken: adminTokens[0]!, workerAdminToken: adminTokens[1]! };
  const modelSaw = e.setup.modelSaw();
  const outputs = await Promise.all(run.jobs.map(async (j) => (await e.world.ingress.service.store.readOutput(j.id)).text));
  const logsDir = path.join(run.worker.stateDir, 'logs');
  const logFiles = readdirSync(logsDir).map((f) => readFileSync(path.join(logsDir, f), 'utf8'));
  const fake = e.world.sandbox.gitea.fake;
  // The outbox posts the last status comment a moment after the job ends: wait for it, then take all the bot's comments.
  await e.world.statusComment(run.issue, run.jobs.at(-1)!.id, '· succeeded');
  const comments = fake
    .commentsOn('demo/hello', run.issue)
    .filter((c) => c.authorId === fake.bot.id)
    .map((c) => c.body);
  const places: Record<string, string> = {
    'model requests': modelSaw,
    'agent env dumps': rec.envDumps.join('\n'),
    'the trace (every execve environment)': rec.straceText,
    'job output in the engine': outputs.join('\n'),
    'job log files': logFiles.join('\n'),
    'status comments': comments.join('\n'),
  };
  for (const [where, text] of Object.entries(places)) {
    for (const [name, value] of Object.entries(secrets)) expect(text.includes(value), `${name} in ${where}`).toBe(false);
  }
  // Not vacuous: the env dumps are real environments (the model key the agent needs is there), the
  // model saw the agent tool's env output and the issue text with the secrets masked, kugetsu's
  // output and logs were written, and the token did work against the fake Gitea.
  expect(rec.envDumps.length).toBe(rec.traces);
  // The trace follows the whole tree: the tool's shell command, run by the agent, was exec'd under it.
  expect(rec.straceText).toMatch(/execve\([^\n]*EGRESS\.md/);
  for (const dump of rec.envDumps) expect(dump).toMatch(/^PATH=/m);
  expect(modelSaw).toContain('EGRESS_MARK_PATH=');
  expect(modelSaw).toContain('Pasted by mistake: ***');
  expect(modelSaw).toContain('please continue; the token is *** and the secret ***');
  expect(outputs.every((o) => o.length > 0)).toBe(true);
  expect(fake.token).toBe(e.secrets.giteaToken);
  expect(comments.length).toBeGreaterThan(0);
}

/** The shell command each agent's tool runs: prints its environment (to the model) and writes a file. */
const TOOL_COMMAND = "env | sed 's/^PATH=/EGRESS_MARK_PATH=/'; printf 'egress checked\\n' >> EGRESS.md";

describe('egress and secrets: opencode through kugetsu (real binary under strace in the real sandbox)', () => {
  let e: Egress;
  beforeAll(async () => {
    e = await egressWorld(
      'opencode',
      async (wrapperDir) => {
        const wrapper = writeTracingWrapper(path.join(wrapperDir, 'opencode'), realpathSync(OPENCODE_BIN));
        return { env: { KUGETSU_OPENCODE_BIN: wrapper }, modelPort: 0, modelSaw: () => '' };
      },
      (ctx) => (ctx.step === 0 ? { tool: 'bash', args: { command: TOOL_COMMAND, description: 'show env, write EGRESS.md' } } : { text: 'Wrote EGRESS.md.' }),
    );
    // opencode talks to the world's own scripted model (createSandbox's).
    const model = e.world.sandbox.model;
    e.setup.modelPort = Number(new URL(model.url).port);
    e.setup.modelSaw = () => everythingSent(model);
  });
  afterAll(() => closeEgress(e));

  it('connects only to the fake model on loopback; no secret reaches the model, the agent env, the job output or logs', async () => {
    const run = await twoTurns(e);
    const rec = readEgressRecord(e.world.stateDir('a'));
    expectLoopbackOnly(rec, e);
    await expectNoSecretLeaks(rec, e, run);
  }, 600_000);
});

describe('egress and secrets: Claude Code through kugetsu (real binary under strace in the real sandbox)', () => {
  let e: Egress;
  let model: ScriptedModel;
  beforeAll(async () => {
    e = await egressWorld('claude', async (wrapperDir) => {
      model = await startFakeAnthropicModel({
        script: (ctx) => (ctx.step === 0 ? { tool: 'Bash', args: { command: TOOL_COMMAND, description: 'show env, write EGRESS.md' } } : { text: 'Wrote EGRESS.md.' }),
      });
      const real = await nativeBinary(CLAUDE_BIN, process.env.PATH ?? '', process.cwd());
      const wrapper = writeTracingWrapper(path.join(wrapperDir, 'claude'), real);
      return {
        env: {
          ...claudeEnv(model.url, wrapper),
          // Its Bash tool without asking (kugetsu sets IS_SANDBOX=1 in its sandbox).
          KUGETSU_CLAUDE_PERMISSION_MODE: 'bypassPermissions',
          KUGETSU_AGENT_ENV: 'ALL_PROXY,all_proxy,ANTHROPIC_BASE_URL,CLAUDE_CODE_MAX_RETRIES',
        },
        modelPort: Number(new URL(model.url).port),
        modelSaw: () => everythingSent(model),
      };
    });
  });
  afterAll(() => closeEgress(e, model));

  it('connects only to the fake model on loopback; no secret reaches the model, the agent env, the job output or logs', async () => {
    const run = await twoTurns(e);
    const rec = readEgressRecord(e.world.stateDir('a'));
    expectLoopbackOnly(rec, e);
    await expectNoSecretLeaks(rec, e, run);
    expect(model.requests.some((r) => r.headers['x-api-key'] === FAKE_ANTHROPIC_KEY)).toBe(true);
  }, 600_000);
});

describe('egress and secrets: Codex through kugetsu (real binary under strace in the real sandbox)', () => {
  let e: Egress;
  let model: ScriptedModel;
  beforeAll(async () => {
    e = await egressWorld('codex', async (wrapperDir) => {
      model = await startFakeResponsesModel({
        script: (ctx) => (ctx.step === 0 ? { tool: 'exec_command', args: { cmd: TOOL_COMMAND } } : { text: 'Wrote EGRESS.md.' }),
      });
      const real = await nativeBinary(CODEX_BIN, process.env.PATH ?? '', process.cwd());
      const wrapper = writeTracingWrapper(path.join(wrapperDir, 'codex'), real);
      return {
        env: codexEnv(model.url, wrapper),
        modelPort: Number(new URL(model.url).port),
        modelSaw: () => everythingSent(model),
      };
    });
  });
  afterAll(() => closeEgress(e, model));

  it('connects only to the fake model on loopback; no secret reaches the model, the agent env, the job output or logs', async () => {
    const run = await twoTurns(e);
    const rec = readEgressRecord(e.world.stateDir('a'));
    expectLoopbackOnly(rec, e);
    await expectNoSecretLeaks(rec, e, run);
    expect(model.requests.some((r) => r.headers['authorization'] === `Bearer ${FAKE_OPENAI_KEY}`)).toBe(true);
  }, 600_000);
});
