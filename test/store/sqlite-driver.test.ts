import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { Database, sqliteDriverFor } from '../../src/store/sqlite-driver.js';

const require = createRequire(import.meta.url);

describe('the better-sqlite3 build kugetsu loads', () => {
  it('is 12 on Node 20 (13 segfaults there) and the Node-API 13 from Node 22 on (12 aborts on Node 24 when a statement is freed)', () => {
    expect(sqliteDriverFor(20)).toBe('better-sqlite3');
    expect(sqliteDriverFor(22)).toBe('better-sqlite3-napi');
    expect(sqliteDriverFor(24)).toBe('better-sqlite3-napi');
    expect((require('better-sqlite3/package.json') as { version: string }).version).toMatch(/^12\./);
    expect((require('better-sqlite3-napi/package.json') as { version: string }).version).toMatch(/^13\./);
  });

  it('on this Node, opens a database with that build, whose statements the garbage collector may free', () => {
    const major = Number(process.versions.node.split('.')[0]);
    expect(Database).toBe(require(sqliteDriverFor(major)));
    const db = new Database(':memory:');
    db.exec('CREATE TABLE t (n INTEGER)');
    for (let i = 0; i < 200; i++) db.prepare('INSERT INTO t (n) VALUES (?)').run(i);
    expect(db.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 200 });
    db.close();
  });
});
