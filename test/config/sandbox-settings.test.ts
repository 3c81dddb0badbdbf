import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/load-config.js';

const minimal = { GITEA_URL: 'https://gitea.example.com/', GITEA_TOKEN: 'tok-123456', KUGETSU_WEBHOOK_SECRET: 's3cret' };

function problemsOf(env: Record<string, string>, cwd = '/srv'): string {
  try {
    loadConfig({ ...minimal, ...env }, cwd);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.join('\n');
    throw err;
  }
  return '';
}

describe('agent sandbox settings', () => {
  it('default to a bubblewrap sandbox with the network open and nothing extra shown or hidden', () => {
    expect(loadConfig(minimal, '/srv').sandbox).toEqual({ mode: 'bwrap', network: 'open', roPaths: [], hide: [], bwrap: 'bwrap' });
  });

  it('read every setting', () => {
    const c = loadConfig(
      {
        ...minimal,
        KUGETSU_AGENT_SANDBOX: 'off',
        KUGETSU_AGENT_SANDBOX_NETWORK: 'none',
        KUGETSU_AGENT_SANDBOX_RO_PATHS: '/opt/tools/, /etc/ssl/certs',
        KUGETSU_AGENT_SANDBOX_HIDE: '/etc/my-app.conf',
        KUGETSU_BWRAP: '/usr/local/bin/bwrap',
      },
      '/srv',
    );
    expect(c.sandbox).toEqual({ mode: 'off', network: 'none', roPaths: ['/opt/tools', '/etc/ssl/certs'], hide: ['/etc/my-app.conf'], bwrap: '/usr/local/bin/bwrap' });
  });

  it('refuse unknown values, relative paths, and read-only paths that would show the state dir', () => {
    const problems = problemsOf({ KUGETSU_AGENT_SANDBOX: 'docker', KUGETSU_AGENT_SANDBOX_NETWORK: 'proxy', KUGETSU_AGENT_SANDBOX_HIDE: 'etc/x' });
    expect(problems).toContain('KUGETSU_AGENT_SANDBOX must be "bwrap" (the default: every agent turn runs in a bubblewrap sandbox) or "off"');
    expect(problems).toContain('KUGETSU_AGENT_SANDBOX_NETWORK must be "open" (the default) or "none"');
    expect(problems).toContain('KUGETSU_AGENT_SANDBOX_HIDE: "etc/x" is not an absolute path');

    expect(problemsOf({ KUGETSU_STATE_DIR: '/srv/kugetsu', KUGETSU_AGENT_SANDBOX_RO_PATHS: '/srv' })).toContain(
      "KUGETSU_AGENT_SANDBOX_RO_PATHS: /srv contains the state dir /srv/kugetsu; agents would read kugetsu's token files",
    );
    expect(problemsOf({ KUGETSU_STATE_DIR: '/srv/kugetsu', KUGETSU_AGENT_SANDBOX_RO_PATHS: '/srv/kugetsu/repos' })).toContain('is inside the state dir /srv/kugetsu');
    expect(problemsOf({ KUGETSU_STATE_DIR: '/usr/local/kugetsu' })).toContain('KUGETSU_STATE_DIR /usr/local/kugetsu is under /usr, which the agent sandbox shows read-only');
    // With the sandbox off nothing is shown, so nothing is checked.
    expect(problemsOf({ KUGETSU_STATE_DIR: '/usr/local/kugetsu', KUGETSU_AGENT_SANDBOX: 'off' })).toBe('');
  });
});
