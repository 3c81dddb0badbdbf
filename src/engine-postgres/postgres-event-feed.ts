import pg from 'pg';
import type { EngineEvent, EngineEvents } from '../engine/engine-events.js';
import { ENGINE_CHANNEL } from './postgres-engine-statements.js';

/** Options of {@link PostgresEventFeed}. Times are ms. */
export interface PostgresEventFeedOptions {
  /** The database URL (the pool's: same server, same `search_path` options). */
  url: string;
  /** How long to wait for the listening connection (default 10 000). */
  connectionTimeoutMs?: number;
  /**
   * True for the server process id of a connection of this process's own pool: its notifications
   * were already delivered in process at commit, and are not delivered twice.
   */
  isOwnBackend?: (pid: number) => boolean;
  /** Told when the listening connection fails or drops (it is opened again); default: ignored. */
  onError?: (error: Error) => void;
  /** Reconnect delays: the first after `minRetryMs` (default 100), doubling up to `maxRetryMs` (default 5000). */
  minRetryMs?: number;
  maxRetryMs?: number;
}

/**
 * An event as a `NOTIFY` payload: its kind, and for `output` the job id after a colon
 * (`output:12`). Payloads are at most a few bytes (PostgreSQL allows 8000).
 */
export function eventPayload(event: EngineEvent): string {
  return event.kind === 'output' ? `output:${event.jobId}` : event.kind;
}

/** The event a payload stands for, or `undefined` for one that is not ours (another version's, garbage). */
export function eventOfPayload(payload: string): EngineEvent | undefined {
  if (payload === 'jobs' || payload === 'outbox' || payload === 'changed') return { kind: payload };
  const output = /^output:([1-9]\d{0,15})$/.exec(payload);
  return output ? { kind: 'output', jobId: output[1]! } : undefined;
}

/**
 * The PostgreSQL store's {@link EngineEvents} across processes. A store's transactions call
 * `pg_notify('kugetsu_engine', <payload>)` (see {@link eventPayload}) next to the change they announce, so the
 * notification is delivered when — and only if — the transaction commits (PostgreSQL 15 docs,
 * NOTIFY: "if a NOTIFY is executed inside a transaction, the notify events are not delivered until
 * and unless the transaction is committed"); identical ones of one transaction are folded into one.
 * (PostgreSQL queues notifications in commit order, so notifying transactions of one database take
 * a short lock each at commit: they commit one at a time at that instant.)
 * This feed, once something subscribes, keeps one dedicated connection (not from the pool: a
 * pooled connection would be handed to other work) that `LISTEN`s on the channel and hands every
 * event to the subscribers. Events of this process's own transactions are handed over in process
 * right after their commit ({@link emit}), whether or not the listening connection is up, and are
 * skipped when they come back through it.
 *
 * A dropped listening connection (server restart, network, `pg_terminate_backend`) is opened again
 * after a growing delay; once it listens again, subscribers get one `jobs`, one `outbox` and one
 * `changed` event, since notifications sent meanwhile are lost. Events are hints to look again, never data: the
 * channel is per database, so stores in other schemas of the same database wake each other up
 * for nothing, which costs one look.
 */
export class PostgresEventFeed implements EngineEvents {
  private readonly listeners = new Set<(event: EngineEvent) => void>();
  private client: pg.Client | undefined;
  private state: 'idle' | 'connecting' | 'listening' | 'closed' = 'idle';
  private retryTimer: NodeJS.Timeout | undefined;
  private failures = 0;
  private listenedBefore = false;
  /** Resolves when the connection being opened now is settled (for `close()` and tests). */
  private opening: Promise<void> = Promise.resolve();

  constructor(private readonly o: PostgresEventFeedOptions) {}

  subscribe(listener: (event: EngineEvent) => void): () => void {
    this.listeners.add(listener);
    if (this.state === 'idle' && this.retryTimer === undefined) this.open();
    return () => void this.listeners.delete(listener);
  }

  /** Hands the events of `payloads` (see {@link eventPayload}) to every subscriber now (a listener's failure is its own). */
  emit(payloads: Iterable<string>): void {
    for (const payload of payloads) {
      const event = eventOfPayload(payload);
      if (!event) continue;
      for (const listener of [...this.listeners]) {
        try {
          listener(event);
        } catch {
          // A listener's failure is its own.
        }
      }
    }
  }

  /** True while the listening connection is up and `LISTEN` was run on it. */
  get listening(): boolean {
    return this.state === 'listening';
  }

  /** The server process id of the listening connection (tests drop it with `pg_terminate_backend`). */
  get backendPid(): number | undefined {
    return this.state === 'listening' ? processIdOf(this.client) : undefined;
  }

  /** Resolves once the connection being opened, if any, listens or failed. */
  settled(): Promise<void> {
    return this.opening;
  }

  /** Stops listening and closes the connection; subscribers get no more events from other processes. */
  async close(): Promise<void> {
    this.state = 'closed';
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    await this.opening;
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private open(): void {
    this.state = 'connecting';
    const client = new pg.Client({ connectionString: this.o.url, connectionTimeoutMillis: this.o.connectionTimeoutMs ?? 10_000, application_name: 'kugetsu-listen' });
    // Before connecting: an 'error' without a listener would end the process.
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client));
    client.on('notification', (message) => {
      if (message.channel !== ENGINE_CHANNEL || !eventOfPayload(message.payload ?? '')) return;
      if (this.o.isOwnBackend?.(message.processId)) return;
      this.emit([message.payload!]);
    });
    this.client = client;
    this.opening = (async () => {
      try {
        await client.connect();
        await client.query(`LISTEN ${ENGINE_CHANNEL}`);
      } catch (error) {
        this.lost(client, error as Error);
        return;
      }
      if (this.state !== 'connecting' || this.client !== client) {
        await client.end().catch(() => undefined);
        return;
      }
      this.state = 'listening';
      this.failures = 0;
      if (this.listenedBefore) this.emit(['jobs', 'outbox', 'changed']);
      this.listenedBefore = true;
    })();
  }

  /** The listening connection failed or ended: forget it and open another after a delay. */
  private lost(client: pg.Client, error?: Error): void {
    if (this.client !== client) return;
    this.client = undefined;
    client.removeAllListeners('notification');
    void client.end().catch(() => undefined);
    if (this.state === 'closed') return;
    this.state = 'idle';
    this.o.onError?.(error ?? new Error('the listening connection ended'));
    const delay = Math.min(this.o.maxRetryMs ?? 5000, (this.o.minRetryMs ?? 100) * 2 ** this.failures);
    this.failures += 1;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (this.state === 'idle') this.open();
    }, delay);
    this.retryTimer.unref();
  }
}

/** The server process id of a connected `pg` client (set from its BackendKeyData message; not in @types/pg). */
export function processIdOf(client: pg.ClientBase | undefined): number | undefined {
  const pid = (client as { processID?: number | null } | undefined)?.processID;
  return typeof pid === 'number' ? pid : undefined;
}
