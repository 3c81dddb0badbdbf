import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeAnthropicModel } from '../../src/sandbox/fake-anthropic-model.js';
import { startFakeResponsesModel } from '../../src/sandbox/fake-responses-model.js';
import type { ScriptedModel } from '../../src/sandbox/fake-model-common.js';
import { createWorkerWorld, type WorkerWorld } from '../support/worker-world.js';
import { claudeEnv, codexEnv } from '../support/cli-agent-env.js';
import { hostProcessesWith } from '../agents/support.js';

/**
 * The turn's time limit (`KUGETSU_AGENT_TIMEOUT_S`, a repository's `agent.timeout_s`) holds for
 * the real CLIs when the model answers with response headers and then nothing at all: kugetsu
 * kills the agent's process group at the limit and the job fails as timed out.
 */
describe('a model that sends headers then nothing: the job fails at the turn time limit', () => {
  let world: WorkerWorld | undefined;
  let model: ScriptedModel | undefined;
  afterEach(async () => {
    await world?.close();
    await model?.close();
    world = undefined;
    model = undefined;
  });

  const cases: Array<[string, () => Promise<{ model: ScriptedModel; env: Record<string, string> }>]> = [
    [
      'claude',
      async () => {
        const m = await startFakeAnthropicModel({ script: () => ({ stall: true }) });
        return {
          model: m,
          env: claudeEnv(m.url),
        };
      },
    ],
    [
      'codex',
      async () => {
        const m = await startFakeResponsesModel({ script: () => ({ stall: true }) });
        return {
          model: m,
          env: codexEnv(m.url),
        };
      },
    ],
  ];

  it.each(cases)(
    '%s',
    async (agent, start) => {
      const started = await start();
      model = started.model;
      const dir = path.join(tmpdir(), `kugetsu-stall-${agent}-${process.pid}-${Date.now()}`);
      world = await createWorkerWorld(dir, { env: { ...started.env, KUGETSU_AGENT_TIMEOUT_S: '20' } });
      await world.startWorker('a');
      const job = await world.finished(await world.label(1), 90_000);
      expect(job).toMatchObject({ state: 'failed', agent, result: { timedOut: true, canceled: false, pushed: false, failedPhase: 'agent' } });
      expect(job.result!.stoppedBy).toBeUndefined();
      expect(job.result!.error).toContain('The agent ran longer than the 20 s limit and was stopped');
      // The model was asked, answered headers only, and the agent waited on it until killed.
      expect(model.requests.some((r) => r.kind === 'turn' && 'stall' in r.reply)).toBe(true);
      expect(hostProcessesWith(path.join(world.stateDir('a'), 'worktrees', 'demo', 'hello', 'issue-1'))).toEqual([]);
      expect(await world.statusComment(1, job.id, '· failed')).toContain(`| Agent | ${agent} · timed out |`);
    },
    150_000,
  );
});
