import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Codex's sandbox modes (`sandbox_mode`, Codex 0.169.0), plus kugetsu's `auto`: `danger-full-access`
 * inside kugetsu's bubblewrap sandbox — Codex's own sandbox is bubblewrap too and cannot nest there
 * (its commands fail with "bwrap: Creating new namespace failed … (ENOSPC)"), and kugetsu's sandbox
 * already confines the turn — else `workspace-write`.
 */
export const CODEX_SANDBOX_MODES = ['auto', 'read-only', 'workspace-write', 'danger-full-access'] as const;
/** One of {@link CODEX_SANDBOX_MODES}. */
export type CodexSandboxMode = (typeof CODEX_SANDBOX_MODES)[number];

/** The mode given to Codex for `mode` when the turn's sandbox is `turnSandbox` (see {@link CODEX_SANDBOX_MODES}). */
export function effectiveCodexSandbox(mode: CodexSandboxMode, turnSandbox: 'bwrap' | 'off'): Exclude<CodexSandboxMode, 'auto'> {
  if (mode !== 'auto') return mode;
  return turnSandbox === 'bwrap' ? 'danger-full-access' : 'workspace-write';
}

/** A Responses-API model provider for Codex (`[model_providers.kugetsu]`). */
export interface CodexProvider {
  /** Base URL ending before `/responses`, e.g. `https://api.example.com/v1` (`KUGETSU_CODEX_BASE_URL`). */
  baseUrl: string;
  /** Variable holding the API key (`env_key`), passed to the agent through `KUGETSU_AGENT_ENV`. Default `OPENAI_API_KEY`. */
  envKey?: string;
  /** `request_max_retries` and `stream_max_retries`. Default: Codex's own. */
  maxRetries?: number;
}

/**
 * Settings kugetsu gives Codex on every turn as `-c key=value` overrides (TOML values), so they hold
 * whatever config file is in use: no approval prompts (nobody is there to answer), the sandbox mode,
 * and none of the traffic a headless run does not need — the update check, analytics (else it calls
 * an analytics host), feedback, OpenTelemetry export, the plugin catalogue (else it syncs from two
 * public hosts at start-up). Facts from `docs/agents-offline.md` (Codex 0.169.0).
 */
export function codexOverrides(sandboxMode: Exclude<CodexSandboxMode, 'auto'>): string[] {
  const pairs = [
    'approval_policy="never"',
    `sandbox_mode="${sandboxMode}"`,
    'check_for_update_on_startup=false',
    'analytics.enabled=false',
    'feedback.enabled=false',
    'otel.exporter="none"',
    'features.plugins=false',
  ];
  return pairs.flatMap((p) => ['-c', p]);
}

const tomlString = (s: string): string => JSON.stringify(s);

/**
 * The `config.toml` kugetsu writes into an issue's own `CODEX_HOME` when the operator names none:
 * the model, and a provider when one is set (else Codex's built-in OpenAI provider with
 * `OPENAI_API_KEY`). Everything else comes from {@link codexOverrides}.
 */
export function codexConfigToml(options: { model?: string; provider?: CodexProvider }): string {
  const lines = ['# Written by kugetsu before each turn; edits are overwritten.'];
  if (options.model) lines.push(`model = ${tomlString(options.model)}`);
  const p = options.provider;
  if (p) {
    lines.push(
      'model_provider = "kugetsu"',
      '',
      '[model_providers.kugetsu]',
      'name = "kugetsu"',
      `base_url = ${tomlString(p.baseUrl)}`,
      `env_key = ${tomlString(p.envKey ?? 'OPENAI_API_KEY')}`,
      'wire_api = "responses"',
    );
    if (p.maxRetries !== undefined) lines.push(`request_max_retries = ${p.maxRetries}`, `stream_max_retries = ${p.maxRetries}`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Prepares the issue's `CODEX_HOME` (`dir`, kept between the turns: its `sessions/` hold the
 * threads). With `operatorHome` (a `CODEX_HOME` the operator passed through `KUGETSU_AGENT_ENV`),
 * its `config.toml` and `auth.json` are copied in (when present), so the operator's model, provider
 * and login apply while the sandbox needs to show nothing outside the agent dir; otherwise
 * {@link codexConfigToml} is written. Throws on file-system errors (the caller reports them).
 */
export async function prepareCodexHome(dir: string, options: { operatorHome?: string; model?: string; provider?: CodexProvider }): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  if (options.operatorHome) {
    for (const name of ['config.toml', 'auth.json']) {
      await copyFile(path.join(options.operatorHome, name), path.join(dir, name)).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
      });
    }
    return;
  }
  await writeFile(path.join(dir, 'config.toml'), codexConfigToml(options), { mode: 0o600 });
}
