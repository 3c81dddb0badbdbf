import type { TurnUsage } from '../domain/turn-usage.js';

type Json = Record<string, unknown>;

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : 0);

/**
 * Reader of `claude -p --output-format stream-json --verbose` output (Claude Code 2.1.332, facts in
 * `docs/agents-offline.md`): JSON lines `{type: "system", subtype: "init", session_id, model}`, then
 * `assistant` / `user` messages (Anthropic message shapes: `text` and `tool_use` blocks, `tool_result`),
 * and a last `{type: "result", is_error, result, errors?, session_id, total_cost_usd, usage,
 * model_usage_since_last_result?}`. Non-JSON lines are ignored.
 */
export class ClaudeEvents {
  /** `session_id` of the first line that has one (the init line). */
  sessionId: string | undefined;
  /** The model named by the init line. */
  model: string | undefined;
  /** The last assistant text block. */
  lastText: string | undefined;
  /** The parsed result line, once seen. */
  result: Json | undefined;
  /** How many JSON events were read. */
  count = 0;
  /** Each assistant message's `message.usage` by message id (Claude Code repeats a message's usage on each of its blocks). */
  private readonly perMessage = new Map<string, TurnUsage>();

  /**
   * `onUsage` receives the turn's usage so far: after each `assistant` message that carries
   * `message.usage` ({@link streamedUsage}: tokens, no cost) and at the `result` line ({@link usage}).
   */
  constructor(private readonly onUsage?: (usage: TurnUsage) => void) {}

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
    if (this.sessionId === undefined && typeof ev.session_id === 'string') this.sessionId = ev.session_id;
    if (ev.type === 'system' && ev.subtype === 'init' && typeof ev.model === 'string') this.model = ev.model;
    if (ev.type === 'result') {
      this.result = ev;
      const final = this.usage();
      if (final) this.onUsage?.(final);
      return ev.is_error === true ? `error: ${this.error() ?? 'the turn failed'}` : undefined;
    }
    if (ev.type !== 'assistant') return undefined;
    const message = (ev.message ?? {}) as Json;
    if (message.usage && typeof message.usage === 'object') {
      this.perMessage.set(typeof message.id === 'string' ? message.id : `#${this.count}`, tokensOf(message.usage as Json));
      this.onUsage?.(this.streamedUsage()!);
    }
    const content = message.content;
    const out: string[] = [];
    for (const block of Array.isArray(content) ? (content as Json[]) : []) {
      if (block.type === 'text' && typeof block.text === 'string') {
        this.lastText = block.text;
        out.push(`text: ${block.text.slice(0, 1000)}`);
      } else if (block.type === 'tool_use') {
        const input = (block.input ?? {}) as Json;
        const what = input.file_path ?? input.command ?? input.path ?? input.pattern ?? '';
        out.push(`tool ${String(block.name)} ${String(what).slice(0, 200)}`.trimEnd());
      }
    }
    return out.length > 0 ? out.join('\n') : undefined;
  }

  /** True when the result line says the turn failed (`is_error`; `subtype` may still say "success"). */
  get failed(): boolean {
    return this.result?.is_error === true;
  }

  /** The agent's own words about a failure: `errors` joined, else `result`. */
  error(): string | undefined {
    const r = this.result;
    if (!r) return undefined;
    if (Array.isArray(r.errors) && r.errors.length > 0) return r.errors.map(String).join('; ').slice(0, 2000);
    return typeof r.result === 'string' && r.result !== '' ? r.result.slice(0, 2000) : typeof r.subtype === 'string' ? r.subtype : undefined;
  }

  /**
   * Tokens of this turn so far from the `assistant` messages' `message.usage` (each API response's
   * usage, summed over message ids), with the init line's model; no cost (Claude Code gives its cost
   * only in the result line). `undefined` before any message with usage.
   */
  streamedUsage(): TurnUsage | undefined {
    if (this.perMessage.size === 0) return undefined;
    const out: TurnUsage = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };
    for (const u of this.perMessage.values()) {
      out.inputTokens += u.inputTokens;
      out.outputTokens += u.outputTokens;
      out.cacheReadTokens += u.cacheReadTokens;
      out.cacheWriteTokens += u.cacheWriteTokens;
    }
    if (this.model !== undefined) out.model = this.model;
    return out;
  }

  /**
   * Tokens and cost of this turn from the result line: `usage` (this run's tokens) and the cost of
   * this run — the sum of `model_usage_since_last_result[*].costUSD` when present, because
   * `total_cost_usd` counts the whole session again after `--resume` (seen with 2.1.332) — else
   * `total_cost_usd`. `undefined` without a result line.
   */
  usage(): TurnUsage | undefined {
    const r = this.result;
    if (!r) return undefined;
    const out: TurnUsage = tokensOf((r.usage ?? {}) as Json);
    const since = r.model_usage_since_last_result;
    const perModel = since && typeof since === 'object' ? Object.entries(since as Record<string, Json>) : [];
    if (perModel.length > 0 && perModel.every(([, m]) => typeof m.costUSD === 'number')) {
      out.costUsd = perModel.reduce((sum, [, m]) => sum + num(m.costUSD), 0);
      out.costSource = 'agent';
    } else if (typeof r.total_cost_usd === 'number') {
      out.costUsd = num(r.total_cost_usd);
      out.costSource = 'agent';
    }
    const model = this.model ?? (perModel.length === 1 ? perModel[0]![0] : undefined);
    if (model !== undefined) out.model = model;
    return out;
  }
}

/** Anthropic's usage object (`input_tokens`, `output_tokens`, `cache_read_input_tokens`, `cache_creation_input_tokens`) as {@link TurnUsage} tokens. */
function tokensOf(u: Json): TurnUsage {
  return {
    inputTokens: num(u.input_tokens),
    outputTokens: num(u.output_tokens),
    cacheReadTokens: num(u.cache_read_input_tokens),
    cacheWriteTokens: num(u.cache_creation_input_tokens),
  };
}
