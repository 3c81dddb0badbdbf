import type { TurnUsage } from '../domain/turn-usage.js';

type Json = Record<string, unknown>;

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : 0);

/** Codex's token counts (`turn.completed.usage`, and `total_token_usage` in a rollout's `token_count`). */
export interface CodexTokenCounts {
  input: number;
  cached: number;
  cacheWrite: number;
  output: number;
}

/** Counts from a Codex usage object (`input_tokens`, `cached_input_tokens`, `cache_write_input_tokens`, `output_tokens`). */
export function codexCounts(u: unknown): CodexTokenCounts {
  const o = (u ?? {}) as Json;
  return { input: num(o.input_tokens), cached: num(o.cached_input_tokens), cacheWrite: num(o.cache_write_input_tokens), output: num(o.output_tokens) };
}

/**
 * Reader of `codex exec --json` output (Codex 0.169.0, facts in `docs/agents-offline.md`): JSON lines
 * `thread.started {thread_id}`, `turn.started`, `item.started` / `item.completed` (`agent_message
 * {text}`, `command_execution {command, exit_code}`, `file_change`, …), `error {message}`, and a last
 * `turn.completed {usage}` or `turn.failed {error: {message}}`. Non-JSON lines are ignored.
 */
export class CodexEvents {
  /** `thread_id` of `thread.started`. */
  threadId: string | undefined;
  /** Text of the last `agent_message` item. */
  lastText: string | undefined;
  /** `turn.completed` usage, once seen. */
  completed: CodexTokenCounts | undefined;
  /** The message of `turn.failed` (else of the last `error` event), once seen. */
  failure: string | undefined;
  /** True once `turn.failed` was seen. */
  failed = false;
  /** How many JSON events were read. */
  count = 0;

  /** Feeds one output line; returns a readable line for the output tail, or `undefined`. */
  line(line: string): string | undefined {
    const trimmed = line.trim();
    if (!trimmed.startsWith('{')) return trimmed === '' ? undefined : trimmed;
    let ev: Json;
    try {
      ev = JSON.parse(trimmed) as Json;
    } catch {
      return trimmed;
    }
    if (typeof ev.type !== 'string') return undefined;
    this.count++;
    switch (ev.type) {
      case 'thread.started':
        if (typeof ev.thread_id === 'string') this.threadId = ev.thread_id;
        return undefined;
      case 'turn.completed':
        this.completed = codexCounts(ev.usage);
        return undefined;
      case 'turn.failed':
        this.failed = true;
        this.failure = messageOf(((ev.error ?? {}) as Json).message) ?? this.failure ?? 'turn.failed';
        return `error: ${this.failure}`;
      case 'error':
        this.failure = messageOf(ev.message) ?? this.failure;
        return undefined;
      case 'item.completed': {
        const item = (ev.item ?? {}) as Json;
        if (item.type === 'agent_message' && typeof item.text === 'string') {
          this.lastText = item.text;
          return `text: ${item.text.slice(0, 1000)}`;
        }
        if (item.type === 'command_execution') return `tool exec ${String(item.command).slice(0, 200)} → exit ${String(item.exit_code)}`;
        if (item.type === 'file_change') return `tool apply_patch → ${String(item.status ?? 'done')}`;
        if (item.type === 'error' && typeof item.message === 'string') return `error: ${item.message.slice(0, 1000)}`;
        return undefined;
      }
      default:
        return undefined;
    }
  }

  /**
   * Tokens of this turn: `turn.completed.usage` minus `baseline` (Codex 0.169.0 reports the thread's
   * running totals, so a resumed turn counts the earlier turns again; `baseline` is the total before
   * this turn, read from the session's rollout file). `inputTokens` excludes cached input (OpenAI's
   * `input_tokens` includes it). No cost: Codex reports none. `undefined` before `turn.completed`.
   */
  usage(baseline?: CodexTokenCounts): TurnUsage | undefined {
    const c = this.completed;
    if (!c) return undefined;
    const b = baseline ?? { input: 0, cached: 0, cacheWrite: 0, output: 0 };
    const d = (x: number, y: number) => Math.max(0, x - y);
    const input = d(c.input, b.input);
    const cached = d(c.cached, b.cached);
    return { inputTokens: Math.max(0, input - cached), outputTokens: d(c.output, b.output), cacheReadTokens: cached, cacheWriteTokens: d(c.cacheWrite, b.cacheWrite) };
  }
}

/** Codex wraps the provider's error body as a JSON string in `message`: its `error.message` when so. */
function messageOf(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  try {
    const parsed = JSON.parse(v) as { error?: { message?: unknown } };
    if (typeof parsed?.error?.message === 'string') return parsed.error.message;
  } catch {
    // not JSON: the message as it is
  }
  return v.slice(0, 2000);
}
