/** A handler of a call from the benchmark's main process. */
export type ChildHandler = (payload: unknown) => unknown;

/**
 * The child side of `startChild`: reads the JSON payload from argv[2], runs `setup(payload)`,
 * announces `ready` with what setup returned, then answers calls by name. A `stop` handler is
 * expected to release everything; the process exits after answering it, and also when the parent
 * disconnects (so no helper outlives the benchmark).
 */
export async function serveChild<P, Info>(setup: (payload: P) => Promise<{ info: Info; handlers: Record<string, ChildHandler> }>): Promise<void> {
  const payload = JSON.parse(process.argv[2] ?? '{}') as P;
  const { info, handlers } = await setup(payload);
  process.on('disconnect', () => process.exit(0));
  process.on('message', (m: { type?: string; id?: number; name?: string; payload?: unknown }) => {
    if (m?.type !== 'call' || m.id === undefined || m.name === undefined) return;
    const handler = handlers[m.name];
    const id = m.id;
    const isStop = m.name === 'stop';
    Promise.resolve()
      .then(() => {
        if (!handler) throw new Error(`no handler ${m.name}`);
        return handler(m.payload);
      })
      .then(
        (value) => process.send?.({ type: 'result', id, value: value ?? null }),
        (err: unknown) => process.send?.({ type: 'result', id, error: err instanceof Error ? (err.stack ?? err.message) : String(err) }),
      )
      .finally(() => {
        if (isStop) setImmediate(() => process.exit(0));
      });
  });
  process.send?.({ type: 'ready', info });
}
