import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { issueKey, type IssueKey } from '../../src/domain/issue-key.js';
import type { RepoRef } from '../../src/domain/repo-ref.js';
import type { DeliveryMeta, NewJob } from '../../src/store/job-store.js';
import { statusCommentItem, type NewOutboxItem } from '../../src/domain/outbox.js';
import { openSqliteStore, type SqliteStore, type SqliteStoreOptions } from '../../src/store/sqlite-store.js';
import type { Job } from '../../src/domain/job.js';

const dirs: string[] = [];
const stores: SqliteStore[] = [];

afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fresh temp dir, removed after the test. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kugetsu-store-'));
  dirs.push(dir);
  return dir;
}

/** A database path in a not-yet-existing subfolder of a fresh temp dir. */
export function tempDbFile(): string {
  return join(tempDir(), 'state', 'kugetsu.db');
}

/** Opens a store (closed after the test). */
export function openStore(options: Partial<SqliteStoreOptions> = {}): SqliteStore {
  const store = openSqliteStore({ file: options.file ?? tempDbFile(), ...options });
  stores.push(store);
  return store;
}

/** The repository `acme/app`. */
export function repo(name = 'app'): RepoRef {
  return {
    owner: 'acme',
    name,
    fullName: `acme/${name}`,
    cloneUrl: `https://gitea.example/acme/${name}.git`,
    defaultBranch: 'main',
    htmlUrl: `https://gitea.example/acme/${name}`,
  };
}

/** A command delegation on `acme/app#n`. */
export function newJob(n = 7, overrides: Partial<NewJob> = {}): NewJob {
  return {
    issueKey: issueKey('acme', 'app', n),
    repo: repo(),
    issueNumber: n,
    replyTo: n,
    trigger: 'command',
    message: 'please fix the ✨ build',
    sender: { id: 3, login: 'alice' },
    commentId: 1000 + n,
    triggerLabelId: 42,
    deliveryId: `d-${n}`,
    branch: `kugetsu/issue-${n}`,
    agent: 'opencode',
    ...overrides,
  };
}

/** Delivery metadata with the given delivery id and event key. */
export function delivery(id: string, eventKey = `event:${id}`): DeliveryMeta {
  return { id, eventType: 'issue_comment', eventKey, receivedAt: '2025-01-01T00:00:00.000Z' };
}

/** Admit options: no idle requirement, the job's status comment in the outbox. */
export function admitOptions(requireIdleIssue = false): { requireIdleIssue: boolean; outbox: (job: Job) => NewOutboxItem[] } {
  return { requireIdleIssue, outbox: (job) => [statusCommentItem(job)] };
}

/** The issue key of `acme/app#n`. */
export function key(n: number): IssueKey {
  return issueKey('acme', 'app', n);
}
