import type { OpencodeEvent } from './opencode-http.js';

type Part = Record<string, unknown> & { id?: unknown; type?: unknown; sessionID?: unknown };

/**
 * Turns the events of an opencode server (`GET /event`, opencode 1.18.33) about one session into
 * the JSON lines `opencode run --format json` prints for it, so that a warm turn's log, output tail,
 * session id, summary and usage read exactly like a cold turn's (`OpencodeEvents`). The mapping is
 * the one `opencode run` itself applies to the same events: `message.part.updated` of the session
 * → `tool_use` (a tool part once `completed` or `error`), `step_start`, `step_finish`, `text` (once
 * its `time.end` is set); `session.error` → `error`. Each line is
 * `{type, timestamp, sessionID, part | error}`. Also tracks what the turn needs to know: the
 * session's sub-sessions (`session.created` with a known `parentID`), permission requests of any
 * of them (`permission.asked`), and when the session went idle (`session.status` idle).
 */
export class OpencodeEventRelay {
  /** The session and its sub-sessions (task tool). */
  readonly sessions: Set<string>;
  /** True once the session reported `idle` after {@link expectBusy} (the turn's processing ended). */
  idle = false;
  /** How many `error` lines were emitted (`session.error` of the session). */
  errors = 0;
  private readonly seen = new Set<string>();

  constructor(
    readonly sessionId: string,
    private readonly emit: (line: string) => void,
    /** Called for each `permission.asked` of the session or a sub-session: `{id, permission, patterns}`. */
    private readonly onPermission: (request: { id: string; permission: string; patterns: string[] }) => void = () => undefined,
  ) {
    this.sessions = new Set([sessionId]);
  }

  /** Forget an earlier idle state (called when the turn's message is sent). */
  expectBusy(): void {
    this.idle = false;
  }

  private line(type: string, extra: Record<string, unknown>): void {
    this.emit(JSON.stringify({ type, timestamp: Date.now(), sessionID: this.sessionId, ...extra }));
  }

  /** Feeds one server event (events of other sessions are ignored). */
  handle(event: OpencodeEvent): void {
    const p = event.properties;
    switch (event.type) {
      case 'session.created': {
        const info = (p.info ?? {}) as Record<string, unknown>;
        if (typeof info.parentID === 'string' && this.sessions.has(info.parentID) && typeof info.id === 'string') this.sessions.add(info.id);
        return;
      }
      case 'message.part.updated': {
        const part = (p.part ?? {}) as Part;
        if (part.sessionID !== this.sessionId) return;
        this.part(part);
        return;
      }
      case 'session.error': {
        if (p.sessionID !== this.sessionId || !p.error) return;
        this.errors++;
        this.line('error', { error: p.error });
        return;
      }
      case 'session.status': {
        const status = (p.status ?? {}) as Record<string, unknown>;
        if (p.sessionID === this.sessionId && status.type === 'idle') this.idle = true;
        return;
      }
      case 'session.idle': {
        if (p.sessionID === this.sessionId) this.idle = true;
        return;
      }
      case 'permission.asked': {
        if (typeof p.sessionID !== 'string' || !this.sessions.has(p.sessionID) || typeof p.id !== 'string') return;
        const patterns = Array.isArray(p.patterns) ? p.patterns.map(String) : [];
        this.onPermission({ id: p.id, permission: String(p.permission ?? 'unknown'), patterns });
        return;
      }
      default:
    }
  }

  private part(part: Part): void {
    const once = (key: string): boolean => {
      if (this.seen.has(key)) return false;
      this.seen.add(key);
      return true;
    };
    const id = String(part.id ?? '');
    switch (part.type) {
      case 'tool': {
        const state = (part.state ?? {}) as Record<string, unknown>;
        if ((state.status === 'completed' || state.status === 'error') && once(`tool:${id}`)) this.line('tool_use', { part });
        return;
      }
      case 'step-start':
        if (once(`start:${id}`)) this.line('step_start', { part });
        return;
      case 'step-finish':
        if (once(`finish:${id}`)) this.line('step_finish', { part });
        return;
      case 'text': {
        const time = (part.time ?? {}) as Record<string, unknown>;
        if (time.end !== undefined && once(`text:${id}`)) this.line('text', { part });
        return;
      }
      default:
    }
  }
}
