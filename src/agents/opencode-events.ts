import type { TurnUsage } from '../domain/turn-usage.js';

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : 0);

/**
 * Reader of `opencode run --format json` output (opencode 1.18.33): stdout is JSON lines
 * `{type, timestamp, sessionID, part?, error?}` with types `step_start`, `tool_use`, `text`
 * (`part.text`, the whole text once), `step_finish`, `error`. There is no "session created" event:
 * the session id is the `sessionID` of the first line. Non-JSON lines (stderr, logs) are ignored.
 */
export class OpencodeEvents {
  /** `sessionID` of the first JSON line, e.g. `ses_dfb32a2d1ffeieqtkrueGNTGr1`. */
  sessionId: string | undefined;
  /** `part.text` of the last `text` event. */
  lastText: string | undefined;
  /** One readable line per `error` event (and per failed tool), in order. */
  readonly errors: string[] = [];
  /** How many JSON events were read. */
  count = 0;
  /**
   * Sum of the `step_finish` events' `part.tokens` (`input`, `output` + `reasoning`, `cache.read`,
   * `cache.write`) and `part.cost` (USD, opencode's own price list; 0 for a model it has no price for),
   * or `undefined` when no step finished.
   */
  usage: TurnUsage | undefined;
  private costSeen = false;

  /** Feeds one output line. */
  line(line: string): void {
    const trimmed = line.trim();
    if (!trimmed.startsWith('{')) return;
    let ev: Record<string, unknown>;
    try {
      ev = JSON.parse(trimmed) as Record<string, unknown>;
    } catch {
      return;
    }
    if (typeof ev.type !== 'string') return;
    this.count++;
    if (this.sessionId === undefined && typeof ev.sessionID === 'string') this.sessionId = ev.sessionID;
    const part = (ev.part ?? {}) as Record<string, unknown>;
    if (ev.type === 'text' && typeof part.text === 'string') this.lastText = part.text;
    if (ev.type === 'step_finish') this.addStep(part);
    if (ev.type === 'error') this.errors.push(`opencode error: ${describe(ev.error ?? ev)}`);
    if (ev.type === 'tool_use') {
      const state = (part.state ?? {}) as Record<string, unknown>;
      if (state.status === 'error') this.errors.push(`opencode tool ${String(part.tool)} failed: ${describe(state.error)}`);
    }
  }

  private addStep(part: Record<string, unknown>): void {
    const t = (part.tokens ?? {}) as Record<string, unknown>;
    const cache = (t.cache ?? {}) as Record<string, unknown>;
    const u = this.usage ?? { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };
    u.inputTokens += num(t.input);
    u.outputTokens += num(t.output) + num(t.reasoning);
    u.cacheReadTokens += num(cache.read);
    u.cacheWriteTokens += num(cache.write);
    // opencode reports cost 0 for a model without a price: only a positive cost counts as known.
    if (typeof part.cost === 'number' && part.cost > 0) {
      u.costUsd = (this.costSeen ? (u.costUsd ?? 0) : 0) + part.cost;
      u.costSource = 'agent';
      this.costSeen = true;
    }
    this.usage = u;
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    const v = value as Record<string, unknown>;
    const data = (v.data ?? {}) as Record<string, unknown>;
    const msg = data.message ?? v.message;
    if (typeof msg === 'string') return typeof v.name === 'string' ? `${v.name}: ${msg}` : msg;
  }
  return JSON.stringify(value).slice(0, 500);
}

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;

/**
 * One readable output-tail line for a line of `opencode run --format json` (`text: …`, `tool <name>
 * <title> → <status>`, `error: …`; `undefined` for other events: leave it out), or the line itself
 * when it is not JSON (stderr), without ANSI colours.
 */
export function opencodeTailLine(line: string): string | undefined {
  const trimmed = line.replace(ANSI, '').trimEnd();
  if (!trimmed.startsWith('{')) return trimmed === '' ? undefined : trimmed;
  try {
    const ev = JSON.parse(trimmed) as { type?: string; part?: Record<string, unknown>; error?: unknown };
    const part = ev.part ?? {};
    const state = (part.state ?? {}) as Record<string, unknown>;
    switch (ev.type) {
      case 'text':
        return `text: ${String(part.text).slice(0, 1000)}`;
      case 'tool_use':
        return `tool ${String(part.tool)} ${String(state.title ?? '')} → ${String(state.status)}${state.status === 'error' ? `: ${String(state.error)}` : ''}`;
      case 'error':
        return `error: ${JSON.stringify(ev.error ?? ev).slice(0, 1000)}`;
      default:
        return undefined;
    }
  } catch {
    return trimmed;
  }
}
