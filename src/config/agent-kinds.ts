import { z } from 'zod';
import { CLAUDE_PERMISSION_MODES, type ClaudePermissionMode } from '../agents/claude-agent.js';
import { CODEX_SANDBOX_MODES, type CodexProvider, type CodexSandboxMode } from '../agents/codex-home.js';

/**
 * The environment's defaults of each agent kind with a binary (`KUGETSU_OPENCODE_*`,
 * `KUGETSU_CLAUDE_*`, `KUGETSU_CODEX_*`): what a repository's `agent:` block starts from when it
 * names that kind, whatever `KUGETSU_AGENT` is.
 */
export interface AgentKindDefaults {
  opencode: { bin: string; model?: string };
  claude: { bin: string; model?: string; permissionMode: ClaudePermissionMode };
  codex: { bin: string; model?: string; sandboxMode: CodexSandboxMode; provider?: CodexProvider };
}

const optionalText = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

/** The `KUGETSU_OPENCODE_*`, `KUGETSU_CLAUDE_*` and `KUGETSU_CODEX_*` variables (README "Agents"). */
export const agentKindsEnvSchema = z.object({
  KUGETSU_OPENCODE_BIN: z.string().min(1).default('opencode'),
  KUGETSU_OPENCODE_MODEL: optionalText,
  KUGETSU_OPENCODE_MODE: z
    .enum(['run', 'serve'], { error: 'KUGETSU_OPENCODE_MODE must be "run" (one opencode process per turn, the default) or "serve" (one warm opencode server per worker)' })
    .default('run'),
  KUGETSU_CLAUDE_BIN: z.string().min(1).default('claude'),
  KUGETSU_CLAUDE_MODEL: optionalText,
  KUGETSU_CLAUDE_PERMISSION_MODE: z
    .enum(CLAUDE_PERMISSION_MODES, { error: `KUGETSU_CLAUDE_PERMISSION_MODE must be one of ${CLAUDE_PERMISSION_MODES.join(', ')} (default acceptEdits)` })
    .default('acceptEdits'),
  KUGETSU_CODEX_BIN: z.string().min(1).default('codex'),
  KUGETSU_CODEX_MODEL: optionalText,
  KUGETSU_CODEX_SANDBOX: z
    .enum(CODEX_SANDBOX_MODES, {
      error: `KUGETSU_CODEX_SANDBOX must be one of ${CODEX_SANDBOX_MODES.join(', ')} (default auto: danger-full-access inside kugetsu's sandbox, else workspace-write)`,
    })
    .default('auto'),
  KUGETSU_CODEX_BASE_URL: z.url({ error: 'KUGETSU_CODEX_BASE_URL must be the base URL of a Responses API, e.g. https://api.openai.com/v1' }).optional(),
  KUGETSU_CODEX_API_KEY_ENV: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'KUGETSU_CODEX_API_KEY_ENV must be the name of the variable holding the API key, e.g. OPENAI_API_KEY')
    .optional(),
  KUGETSU_CODEX_MAX_RETRIES: z.coerce.number({ error: 'KUGETSU_CODEX_MAX_RETRIES must be a whole number' }).int().min(0).max(100).optional(),
});

/** The parsed defaults of {@link agentKindsEnvSchema}. */
export function agentKindDefaults(e: z.infer<typeof agentKindsEnvSchema>): AgentKindDefaults {
  const model = (m: string | undefined) => (m !== undefined ? { model: m } : {});
  return {
    opencode: { bin: e.KUGETSU_OPENCODE_BIN, ...model(e.KUGETSU_OPENCODE_MODEL) },
    claude: { bin: e.KUGETSU_CLAUDE_BIN, ...model(e.KUGETSU_CLAUDE_MODEL), permissionMode: e.KUGETSU_CLAUDE_PERMISSION_MODE },
    codex: {
      bin: e.KUGETSU_CODEX_BIN,
      ...model(e.KUGETSU_CODEX_MODEL),
      sandboxMode: e.KUGETSU_CODEX_SANDBOX,
      ...(e.KUGETSU_CODEX_BASE_URL
        ? {
            provider: {
              baseUrl: e.KUGETSU_CODEX_BASE_URL,
              ...(e.KUGETSU_CODEX_API_KEY_ENV ? { envKey: e.KUGETSU_CODEX_API_KEY_ENV } : {}),
              ...(e.KUGETSU_CODEX_MAX_RETRIES !== undefined ? { maxRetries: e.KUGETSU_CODEX_MAX_RETRIES } : {}),
            },
          }
        : {}),
    },
  };
}

/** {@link agentKindDefaults} read from a raw environment (invalid values fall back to the defaults; `loadConfig` reports them). */
export function agentKindDefaultsFromEnv(env: Record<string, string | undefined>): AgentKindDefaults {
  const parsed = agentKindsEnvSchema.safeParse(env);
  return agentKindDefaults(parsed.success ? parsed.data : agentKindsEnvSchema.parse({}));
}
