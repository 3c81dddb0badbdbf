import { CLAUDE_BIN, CODEX_BIN } from '../agents/cli-agent-world.js';

/** The API key {@link claudeEnv} gives Claude Code (the fake Anthropic model receives it as `x-api-key`). */
export const FAKE_ANTHROPIC_KEY = 'sk-fake-anthropic';
/** The API key {@link codexEnv} gives Codex in `FAKE_API_KEY` (the fake Responses model receives it as `Bearer …`). */
export const FAKE_OPENAI_KEY = 'sk-fake-openai';

/**
 * A kugetsu service's environment that runs Claude Code (`bin`, default the repository's CLI)
 * against the fake Anthropic model at `modelUrl`, passing the model's variables into the sandbox
 * and with no retries (a model error fails the turn at once). Spread it and add or override.
 */
export function claudeEnv(modelUrl: string, bin: string = CLAUDE_BIN): Record<string, string> {
  return {
    KUGETSU_AGENT: 'claude',
    KUGETSU_CLAUDE_BIN: bin,
    KUGETSU_AGENT_ENV: 'ANTHROPIC_BASE_URL,CLAUDE_CODE_MAX_RETRIES',
    ANTHROPIC_BASE_URL: modelUrl,
    ANTHROPIC_API_KEY: FAKE_ANTHROPIC_KEY,
    CLAUDE_CODE_MAX_RETRIES: '0',
  };
}

/**
 * A kugetsu service's environment that runs Codex (`bin`, default the repository's CLI) with the
 * model `gpt-5.5` against the fake Responses model at `modelUrl`, its API key in `FAKE_API_KEY`,
 * and no retries. Spread it and add or override.
 */
export function codexEnv(modelUrl: string, bin: string = CODEX_BIN): Record<string, string> {
  return {
    KUGETSU_AGENT: 'codex',
    KUGETSU_CODEX_BIN: bin,
    KUGETSU_CODEX_MODEL: 'gpt-5.5',
    KUGETSU_CODEX_BASE_URL: modelUrl,
    KUGETSU_CODEX_API_KEY_ENV: 'FAKE_API_KEY',
    KUGETSU_CODEX_MAX_RETRIES: '0',
    FAKE_API_KEY: FAKE_OPENAI_KEY,
  };
}

/**
 * Every byte a fake model (`ScriptedModel` of src/sandbox/fake-model-common.ts, or the sandbox's
 * `FakeModel`) received so far — request bodies and headers — as one text, for "this never reached the model".
 */
export function everythingSent(model: { requests: ReadonlyArray<{ body: unknown; headers: Record<string, string | string[] | undefined> }> }): string {
  return JSON.stringify(model.requests.map((r) => ({ b: r.body, h: r.headers })));
}
