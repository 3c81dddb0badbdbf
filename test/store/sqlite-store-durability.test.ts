import { Database } from '../../src/store/sqlite-driver.js';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS, SCHEMA_VERSION } from '../../src/store/migrations.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import { admitOptions, delivery, key, newJob, openStore, repo, tempDbFile } from './store-fixtures.js';

describe('SqliteStore durability and schema', () => {
  it('creates its folder, ends a fresh file at the latest schema version, in WAL mode', async () => {
    const file = tempDbFile();
    const store = openStore({ file });
    expect(existsSync(file)).toBe(true);
    expect(store.openedAtVersion).toBe(0);
    expect(SCHEMA_VERSION).toBe(MIGRATIONS.length);
    await store.close();
    const db = new Database(file, { readonly: true });
    try {
      expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      const tables = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`).pluck().all();
      expect(tables).toEqual(['cursors', 'deferred_events', 'deliveries', 'job_events', 'job_output', 'job_reports', 'jobs', 'outbox', 'repos', 'sessions', 'workers']);
    } finally {
      db.close();
    }
    expect(openStore({ file }).openedAtVersion).toBe(SCHEMA_VERSION);
  });

  it('refuses a database written by a newer kugetsu, and leaves it as it was', async () => {
    const file = tempDbFile();
    await openStore({ file }).close();
    const raw = new Database(file);
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    raw.close();
    expect(() => openSqliteStore({ file })).toThrow(
      `${file} has schema version ${SCHEMA_VERSION + 1}, but this kugetsu knows versions up to ${SCHEMA_VERSION}: it was written by a newer kugetsu`,
    );
    const check = new Database(file, { readonly: true });
    expect(check.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION + 1);
    check.close();
  });

  it('keeps everything across close and reopen', async () => {
    const file = tempDbFile();
    const first = openSqliteStore({ file, now: () => new Date(1000) });
    await first.admit(delivery('d-1', 'comment:acme/app:1:created'), newJob(7), admitOptions());
    await first.update('1', { state: 'running', startedAt: '2025-01-01T00:00:01.000Z', note: 'attempt 1' }, [], 'started');
    await first.putSession({ issueKey: key(7), agent: 'opencode', sessionId: 'ses_1', worktreePath: '/w/7', branch: 'kugetsu/issue-7', updatedAt: '2025-01-01T00:00:02.000Z' });
    await first.setCursor('comments:acme/app', '2025-01-01T00:00:03Z');
    await first.enqueue([{ key: 'reply', group: key(7), op: { kind: 'comment', owner: 'acme', repo: 'app', number: 7, body: 'ok' } }]);
    const before = {
      job: await first.get('1'),
      history: await first.history('1'),
      session: await first.getSession(key(7)),
      outbox: await first.outboxDue(1000, 10),
    };
    await first.close();
    await expect(first.get('1')).rejects.toThrow();

    const second = openStore({ file });
    expect(await second.get('1')).toStrictEqual(before.job);
    expect(await second.history('1')).toStrictEqual(before.history);
    expect(await second.getSession(key(7))).toStrictEqual(before.session);
    expect(await second.outboxDue(1000, 10)).toStrictEqual(before.outbox);
    expect(await second.getCursor('comments:acme/app')).toBe('2025-01-01T00:00:03Z');
    expect(await second.knownRepos()).toStrictEqual([repo()]);
    expect(await second.unfinished()).toHaveLength(1);
    expect(await second.admit(delivery('d-2', 'comment:acme/app:1:created'), newJob(7), admitOptions())).toStrictEqual({ kind: 'duplicate', jobId: '1', by: 'event' });
    const next = await second.admit(delivery('d-3'), newJob(7), admitOptions());
    expect(next.kind === 'accepted' && next.job.id).toBe('2');
  });

  it('commits writes still queued when closed', async () => {
    const file = tempDbFile();
    const store = openSqliteStore({ file });
    const admitted = store.admit(delivery('d-1'), newJob(7), admitOptions());
    await store.close();
    expect((await admitted).kind).toBe('accepted');
    await expect(store.setCursor('a', 'b')).rejects.toThrow('the store is closed');
    expect(await openStore({ file }).hasEvent('d-1')).toBe(true);
  });
});
