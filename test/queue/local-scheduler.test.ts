import { describe, expect, it } from 'vitest';
import { issueKey } from '../../src/domain/issue-key.js';
import { LocalScheduler } from '../../src/queue/local-scheduler.js';

/** A job the test releases by hand; records when it started and finished. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { open, opened };
}

const A = issueKey('o', 'r', 1);
const B = issueKey('o', 'r', 2);

describe('LocalScheduler', () => {
  it('a job of another issue starts at once while five jobs of one issue wait (no slot held by a waiter)', async () => {
    const s = new LocalScheduler(3);
    const started: string[] = [];
    const gates = new Map<string, ReturnType<typeof gate>>();
    const submit = (id: string, key: typeof A) => {
      const g = gate();
      gates.set(id, g);
      s.submit({ jobId: id, issueKey: key, run: async () => { started.push(id); await g.opened; } });
    };
    for (let i = 1; i <= 5; i++) submit(`a${i}`, A);
    submit('b1', B);
    await new Promise((r) => setTimeout(r, 20));
    expect(started).toEqual(['a1', 'b1']);
    expect(s.stats()).toEqual({ running: 2, waiting: 4, slots: 3 });
    expect(s.place('a2')).toBe('waiting-for-issue');

    // Issue A's jobs run one after another, in arrival order.
    for (let i = 1; i <= 5; i++) {
      gates.get(`a${i}`)!.open();
      await new Promise((r) => setTimeout(r, 5));
    }
    gates.get('b1')!.open();
    await s.onIdle();
    expect(started).toEqual(['a1', 'b1', 'a2', 'a3', 'a4', 'a5']);
  });

  it('never runs more than the cap, and never one issue twice at once', async () => {
    const s = new LocalScheduler(3);
    let running = 0;
    let peak = 0;
    const perIssue = new Map<string, number>();
    let overlap = false;
    for (let i = 0; i < 40; i++) {
      const key = issueKey('o', 'r', (i % 7) + 1);
      s.submit({
        jobId: `j${i}`,
        issueKey: key,
        run: async () => {
          running++;
          peak = Math.max(peak, running);
          perIssue.set(key, (perIssue.get(key) ?? 0) + 1);
          if (perIssue.get(key)! > 1) overlap = true;
          await new Promise((r) => setTimeout(r, 2 + (i % 3)));
          perIssue.set(key, perIssue.get(key)! - 1);
          running--;
        },
      });
    }
    await s.onIdle();
    expect(peak).toBe(3);
    expect(overlap).toBe(false);
    expect(s.stats()).toEqual({ running: 0, waiting: 0, slots: 3 });
  });

  it('cancel: a waiting job never runs; a running job sees its signal aborted', async () => {
    const s = new LocalScheduler(1);
    const ran: string[] = [];
    let abortedSeen = false;
    s.submit({
      jobId: 'first',
      issueKey: A,
      run: (signal) =>
        new Promise<void>((resolve) => {
          ran.push('first');
          signal.addEventListener('abort', () => { abortedSeen = true; resolve(); });
        }),
    });
    s.submit({ jobId: 'second', issueKey: B, run: async () => void ran.push('second') });
    s.submit({ jobId: 'third', issueKey: B, run: async () => void ran.push('third') });
    await new Promise((r) => setTimeout(r, 10));
    expect(s.cancel('second')).toBe(true);
    expect(s.cancel('first')).toBe(true);
    expect(s.cancel('nope')).toBe(false);
    await s.onIdle();
    expect(abortedSeen).toBe(true);
    expect(ran).toEqual(['first', 'third']);
  });

  it('a job that throws is reported and does not stop the queue', async () => {
    const errors: string[] = [];
    const s = new LocalScheduler(1, (id) => errors.push(id));
    const ran: string[] = [];
    s.submit({ jobId: 'bad', issueKey: A, run: async () => { throw new Error('boom'); } });
    s.submit({ jobId: 'good', issueKey: A, run: async () => void ran.push('good') });
    await s.onIdle();
    expect(errors).toEqual(['bad']);
    expect(ran).toEqual(['good']);
  });
});

describe('LocalScheduler with a per-repository cap', () => {
  it('a repository limited to 1 runs one job at a time while other repositories use the free slots', async () => {
    const s = new LocalScheduler(3);
    let aRunning = 0;
    let aPeak = 0;
    const started: string[] = [];
    const gates: Array<() => void> = [];
    const job = (id: string, key: ReturnType<typeof issueKey>, group?: { key: string; limit: number }) =>
      s.submit({
        jobId: id,
        issueKey: key,
        ...(group ? { group } : {}),
        run: () =>
          new Promise<void>((resolve) => {
            started.push(id);
            if (group) aPeak = Math.max(aPeak, ++aRunning);
            gates.push(() => {
              if (group) aRunning--;
              resolve();
            });
          }),
      });
    const limited = { key: 'acme/a', limit: 1 };
    job('a1', issueKey('acme', 'a', 1), limited);
    job('a2', issueKey('acme', 'a', 2), limited);
    job('b1', issueKey('acme', 'b', 1));
    await new Promise((r) => setTimeout(r, 20));
    expect([...started].sort()).toEqual(['a1', 'b1']);
    expect(s.position('a2')).toEqual({ ahead: 0, waiting: 1, place: 'waiting-for-repository' });
    while (gates.length > 0) {
      gates.shift()!();
      await new Promise((r) => setTimeout(r, 10));
    }
    await s.onIdle();
    expect(started.at(-1)).toBe('a2');
    expect(aPeak).toBe(1);
  });
});
