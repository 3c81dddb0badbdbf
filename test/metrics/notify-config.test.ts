import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/load-config.js';
import { loadRepoSettings } from '../../src/config/repo-config.js';
import { DEFAULTS, removeTrees, shown, webhooksTree } from '../config/fixtures/repo-config-kit.js';

afterAll(removeTrees);

const BASE = { GITEA_URL: 'http://g', GITEA_TOKEN: 't', KUGETSU_WEBHOOK_SECRET: 's' };

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig({ ...BASE, ...env });
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('notification settings', () => {
  it('KUGETSU_NOTIFY_URLS, _EVENTS, _SECRET and KUGETSU_METRICS_TOKEN: read, with the default events', () => {
    const config = loadConfig({
      ...BASE,
      KUGETSU_NOTIFY_URLS: ' https://ntfy.example.org/k , http://10.0.0.5:8080/hook?t=x ',
      KUGETSU_NOTIFY_SECRET: 'key',
      KUGETSU_METRICS_TOKEN: 'm',
    });
    expect(config.notify).toEqual({
      urls: ['https://ntfy.example.org/k', 'http://10.0.0.5:8080/hook?t=x'],
      events: ['queued', 'started', 'succeeded', 'failed', 'canceled'],
      secret: 'key',
    });
    expect(config.metricsToken).toBe('m');
    expect(loadConfig({ ...BASE, KUGETSU_NOTIFY_EVENTS: 'Failed, waiting,failed' }).notify.events).toEqual(['failed', 'waiting']);
    expect(loadConfig(BASE).notify).toEqual({ urls: [], events: ['queued', 'started', 'succeeded', 'failed', 'canceled'], secret: undefined });
    expect(loadConfig(BASE).metricsToken).toBeUndefined();
  });

  it('bad receiver URLs and event names are refused at start-up, one problem each, without echoing a URL (it may hold a token)', () => {
    const problems = problemsOf({
      KUGETSU_NOTIFY_URLS: 'ftp://files.example/x,not a url,https://user:pw-secret@hooks.example/x,https://ok.example/',
      KUGETSU_NOTIFY_EVENTS: 'queued,finished',
    });
    expect(problems).toEqual([
      'KUGETSU_NOTIFY_URLS: entry 1 has scheme ftp; only http and https receivers are supported',
      'KUGETSU_NOTIFY_URLS: entry 2 is not a URL; give an absolute http(s) URL such as https://ntfy.example.org/kugetsu',
      'KUGETSU_NOTIFY_URLS: entry 3 carries a user or password (user:pass@host), which fetch does not send; use a token in the path or query instead',
      'KUGETSU_NOTIFY_EVENTS: "finished" is not a job event; use queued, started, waiting, interrupted, succeeded, failed, canceled',
    ]);
    expect(problems.join('\n')).not.toContain('pw-secret');
  });

  it('notify: in a webhooks/ file — each bad URL, event and key variable at its file:line:col', () => {
    const dir = webhooksTree({
      'acme/app.yaml': [
        'repository: acme/app',
        'notify:',
        '  urls:',
        '    - https://ok.example/hook',
        '    - gopher://old.example/',
        '    - https://u:p4ss@x.example/',
        '  events: [succeeded, done]',
        '  secret_env: ACME_NOTIFY_KEY',
        '',
      ].join('\n'),
      'acme/lib.yaml': 'repository: acme/lib\nnotify:\n  url: https://x.example/\n',
      'acme/web.yaml': 'repository: acme/web\nnotify:\n  urls: https://x.example/\n  events: []\n  secret_env: not a name\n',
    });
    const { errors } = loadRepoSettings({ dir, env: {}, defaults: DEFAULTS });
    expect(shown(dir, errors)).toEqual([
      'webhooks/acme/app.yaml:5:7: "notify.urls" entry 2 has scheme gopher; only http and https receivers are supported',
      'webhooks/acme/app.yaml:6:7: "notify.urls" entry 3 carries a user or password (user:pass@host), which fetch does not send; use a token in the path or query instead',
      'webhooks/acme/app.yaml:7:23: "notify.events" entry "done" is not a job event; use queued, started, waiting, interrupted, succeeded, failed, canceled',
      'webhooks/acme/app.yaml:8:15: "notify.secret_env": the environment variable ACME_NOTIFY_KEY is not set; export it (the notification HMAC key) before starting kugetsu, or remove the key',
      'webhooks/acme/lib.yaml:3:3: unknown key "url" in the notify: block; did you mean "urls"?',
      'webhooks/acme/web.yaml:3:9: "notify.urls" must be a list of http(s) URLs, e.g. [https://ntfy.example.org/kugetsu] (got "https://x.example/")',
    ]);
    // Once the list is a list, the file's other notify problems show.
    const fixed = webhooksTree({ 'acme/web.yaml': 'repository: acme/web\nnotify:\n  urls: [https://x.example/]\n  events: []\n  secret_env: not a name\n' });
    expect(shown(fixed, loadRepoSettings({ dir: fixed, env: {}, defaults: DEFAULTS }).errors)).toEqual([
      'webhooks/acme/web.yaml:4:11: "notify.events" is an empty list; name the events to send (e.g. [succeeded, failed]), or remove the key for the default ones',
      'webhooks/acme/web.yaml:5:15: "notify.secret_env" must name an environment variable such as ACME_NOTIFY_SECRET (got "not a name"); the key itself never goes in the file',
    ]);
  });

  it("notify: of an owner's file applies to its repositories; a repository file overrides it key by key", () => {
    const dir = webhooksTree({
      'acme/_all.yaml': 'repository: acme/*\nnotify:\n  urls: [https://team.example/all]\n  secret_env: ACME_KEY\n',
      'acme/app.yaml': 'repository: acme/app\nnotify:\n  events: [failed]\n',
    });
    const { source, errors } = loadRepoSettings({ dir, env: { ACME_KEY: 'k1' }, defaults: DEFAULTS });
    expect(shown(dir, errors)).toEqual([]);
    expect(source.settingsFor('acme', 'app').notify).toEqual({ urls: ['https://team.example/all'], events: ['failed'], secret: 'k1' });
    expect(source.settingsFor('acme', 'lib').notify).toEqual({
      urls: ['https://team.example/all'],
      events: ['queued', 'started', 'succeeded', 'failed', 'canceled'],
      secret: 'k1',
    });
    expect(source.settingsFor('other', 'x').notify.urls).toEqual([]);
  });
});
