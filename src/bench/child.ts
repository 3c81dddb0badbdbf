import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** A benchmark helper process (a server under test, the fake Gitea…) driven over IPC. */
export interface ChildHandle<Info> {
  /** What the child announced when it was ready (its URL, token…). */
  info: Info;
  process: ChildProcess;
  /** Calls the child's handler `name` and resolves to what it returned. */
  call<T = unknown>(name: string, payload?: unknown): Promise<T>;
  /** Calls the child's `stop` handler (when it has one) with `payload`, then waits for it to exit (killed after `timeoutMs`). */
  stop(timeoutMs?: number, payload?: unknown): Promise<void>;
}

interface ReplyMessage {
  type: 'result';
  id: number;
  value?: unknown;
  error?: string;
}

/**
 * Forks `dist/bench/<entry>.js` with `payload` as JSON in argv[2] and waits for its `ready` message.
 * The child ends itself when this process goes away (see `serveChild`).
 */
export async function startChild<Info>(entry: string, payload: unknown, options: { execArgv?: string[] } = {}): Promise<ChildHandle<Info>> {
  const file = fileURLToPath(new URL(`./${entry}.js`, import.meta.url));
  const child = fork(file, [JSON.stringify(payload)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: options.execArgv ?? [] });
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.on('message', (m: ReplyMessage) => {
    if (m?.type !== 'result') return;
    const p = pending.get(m.id);
    pending.delete(m.id);
    if (m.error !== undefined) p?.reject(new Error(`${entry}: ${m.error}`));
    else p?.resolve(m.value);
  });
  child.once('exit', (code) => {
    for (const p of pending.values()) p.reject(new Error(`${entry} exited (code ${code}) before answering`));
    pending.clear();
  });
  const info = await new Promise<Info>((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`${entry} exited (code ${code}) before it was ready`));
    child.once('exit', onExit);
    child.on('message', function ready(m: { type?: string; info?: Info }) {
      if (m?.type !== 'ready') return;
      child.off('exit', onExit);
      child.off('message', ready);
      resolve(m.info as Info);
    });
  });
  const call = <T>(name: string, arg?: unknown): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      child.send({ type: 'call', id, name, payload: arg });
    });
  return {
    info,
    process: child,
    call,
    async stop(timeoutMs = 30_000, payload?: unknown) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      try {
        await call('stop', payload).catch(() => undefined);
        if (child.connected) child.disconnect();
        await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
