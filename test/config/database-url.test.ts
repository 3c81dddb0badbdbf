import { describe, expect, it } from 'vitest';
import { parseDatabaseUrl, redactDatabaseUrl } from '../../src/config/database-url.js';
import { ConfigError, loadConfig } from '../../src/config/load-config.js';
import { createRedactor } from '../../src/log/redact.js';

const minimal = { GITEA_URL: 'https://gitea.example.com/', GITEA_TOKEN: 'tok-123456', KUGETSU_WEBHOOK_SECRET: 's3cret' };

describe('KUGETSU_DATABASE_URL', () => {
  it('unset or empty: the embedded SQLite file in the state dir, as before', () => {
    expect(loadConfig(minimal, '/srv').database).toStrictEqual({ kind: 'sqlite', file: '/srv/.kugetsu/kugetsu.db' });
    expect(loadConfig({ ...minimal, KUGETSU_DATABASE_URL: ' ', KUGETSU_STATE_DIR: '/var/lib/k' }, '/srv').database).toStrictEqual({
      kind: 'sqlite',
      file: '/var/lib/k/kugetsu.db',
    });
  });

  it.each([
    ['postgres://kugetsu:s3cr3t-pw@db.internal:5432/kugetsu', 'postgres://kugetsu:***@db.internal:5432/kugetsu', ['s3cr3t-pw']],
    ['postgresql://kugetsu:p%40ss%2Fw0rd@10.0.0.5/kugetsu?sslmode=require', 'postgresql://kugetsu:***@10.0.0.5/kugetsu?sslmode=require', ['p%40ss%2Fw0rd', 'p@ss/w0rd']],
    ['postgres://kugetsu@localhost/kugetsu', 'postgres://kugetsu@localhost/kugetsu', []],
    ['postgres:///kugetsu?host=/var/run/postgresql', 'postgres:///kugetsu?host=/var/run/postgresql', []],
    ['postgres://u@h/db?sslmode=require&password=query-secret', 'postgres://u@h/db?sslmode=require&password=***', ['query-secret']],
    ['postgres://u:colon:inside@[::1]:5433/db', 'postgres://u:***@[::1]:5433/db', ['colon:inside']],
  ])('%s → shown as %s, masked: %j', (raw, redacted, secrets) => {
    const parsed = parseDatabaseUrl(raw);
    expect(parsed).toStrictEqual({ url: raw, redacted, secrets: expect.arrayContaining(secrets) });
    expect(redactDatabaseUrl(raw)).toBe(redacted);
    for (const secret of secrets) expect(redacted).not.toContain(secret);
    const config = loadConfig({ ...minimal, KUGETSU_DATABASE_URL: raw }, '/srv');
    expect(config.database).toStrictEqual({ kind: 'postgres', url: raw, redacted, secrets: parsed && 'secrets' in parsed ? parsed.secrets : [] });
  });

  it.each([
    ['mysql://root:hunter2-pw@db/kugetsu', 'must start with postgres:// or postgresql://'],
    ['sqlite:///srv/kugetsu.db', 'must start with postgres:// or postgresql://'],
    ['db.internal:5432 user=kugetsu password=hunter2-pw', 'must start with postgres:// or postgresql://'],
    ['hunter2-pw:x', 'must start with postgres:// or postgresql://'],
    ['hunter2-pw', 'must be a URL like postgres://user:password@host:5432/database'],
  ])('refuses %s, with every other problem, never repeating the value', (raw, problem) => {
    let error: unknown;
    try {
      loadConfig({ ...minimal, KUGETSU_DATABASE_URL: raw, KUGETSU_MAX_AGENTS: 'many' }, '/srv');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const { problems, message } = error as ConfigError;
    expect(problems).toHaveLength(2);
    expect(problems.find((p) => p.startsWith('KUGETSU_DATABASE_URL'))).toContain(problem);
    expect(message).not.toContain('hunter2');
    expect(message).not.toContain(raw);
  });

  it('its password is masked by the log redactor (both spellings)', () => {
    const parsed = parseDatabaseUrl('postgres://kugetsu:p%40ss-w0rd@db/kugetsu');
    if ('problem' in parsed) throw new Error(parsed.problem);
    const redact = createRedactor(parsed.secrets);
    expect(redact(`connecting to ${parsed.url} as p@ss-w0rd failed`)).toBe('connecting to postgres://kugetsu:***@db/kugetsu as *** failed');
  });
});
