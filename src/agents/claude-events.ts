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
      return ev.is_error === true ? `error: ${this.error() ?? 'the turn failed'}` : undefined;
    }
    if (ev.type !== 'assistant') return undefined;
    const content = ((ev.message ?? {}) as Json).content;
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
   * Tokens and cost of this turn from the result line: `usage` (this run's tokens) and the cost of
   * this run — the sum of `model_usage_since_last_result[*].costUSD` when present, because
   * `total_cost_usd` counts the whole session again after `--resume` (seen with 2.1.332) — else
   * `total_cost_usd`. `undefined` without a result line.
   */
  usage(): TurnUsage | undefined {
    const r = this.result;
    if (!r) return undefined;
    const u = (r.usage ?? {}) as Json;
    const out: TurnUsage = {
      inputTokens: num(u.input_tokens),
      outputTokens: num(u.output_tokens),
      cacheReadTokens: num(u.cache_read_input_tokens),
      cacheWriteTokens: num(u.cache_creation_input_tokens),
    };
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
