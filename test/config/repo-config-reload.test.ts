import { afterAll, describe, expect, it } from 'vitest';
import { createRepoSettingsSource, type RepoConfigLogger } from '../../src/config/repo-config-source.js';
import { DEFAULTS, removeTrees, shown, webhooksTree, writeTree } from './fixtures/repo-config-kit.js';

afterAll(removeTrees);

/** A logger that keeps what it was given. */
function recordingLogger(): RepoConfigLogger & { lines: Array<{ level: string; obj: object; msg: string }> } {
  const lines: Array<{ level: string; obj: object; msg: string }> = [];
  return {
    lines,
    info: (obj, msg) => lines.push({ level: 'info', obj, msg }),
    warn: (obj, msg) => lines.push({ level: 'warn', obj, msg }),
  };
}

describe('createRepoSettingsSource', () => {
  it('loads at creation and applies good changes on reload: edited, added and removed files', () => {
    const dir = webhooksTree({ 'acme/app.yaml': 'repository: acme/app\nmin_role: admin\n', 'acme/old.yaml': 'repository: acme/old\nauto_pr: false\n' });
    const logger = recordingLogger();
    const settings = createRepoSettingsSource({ dir, env: {}, defaults: DEFAULTS, logger });
    expect(settings.initialErrors).toEqual([]);
    expect(settings.settingsFor('acme', 'app').minRole).toBe('admin');

    writeTree(dir, { 'acme/app.yaml': 'repository: acme/app\nmin_role: owner\n', 'acme/new.yaml': 'repository: acme/new\nstate_labels: false\n', 'acme/old.yaml': null });
    expect(settings.reload()).toEqual({ ok: true, errors: [] });

    expect(settings.settingsFor('acme', 'app').minRole).toBe('owner');
    expect(settings.settingsFor('acme', 'new').stateLabels).toBe(false);
    expect(settings.settingsFor('acme', 'old')).toEqual(DEFAULTS);
    expect(settings.configured()).toEqual(['acme/app', 'acme/new']);
    expect(logger.lines).toEqual([{ level: 'info', obj: { dir, configured: ['acme/app', 'acme/new'] }, msg: 'webhooks: per-repository settings reloaded' }]);
  });

  it('keeps the previous settings when a reload finds a problem, reports it with file and line, and applies the fix later', () => {
    const dir = webhooksTree({ 'acme/app.yaml': 'repository: acme/app\nmin_role: admin\n', 'acme/lib.yaml': 'repository: acme/lib\nauto_pr: false\n' });
    const logger = recordingLogger();
    const settings = createRepoSettingsSource({ dir, env: {}, defaults: DEFAULTS, logger });
    const before = settings.settingsFor('acme', 'app');

    // One good edit and one bad file: nothing of the reload applies, not even the good edit.
    writeTree(dir, { 'acme/lib.yaml': 'repository: acme/lib\nauto_pr: true\n', 'acme/app.yaml': 'repository: acme/app\nmin_role: read\nsecret: hunter2\n' });
    const failed = settings.reload();
    expect(failed.ok).toBe(false);
    const expected = [
      'webhooks/acme/app.yaml:3:1: "secret": secrets are never written in a file; put the secret in an environment variable and name that variable with secret_env, e.g. secret_env: ACME_WEBHOOK_SECRET',
    ];
    expect(shown(dir, failed.errors)).toEqual(expected);
    expect(settings.settingsFor('acme', 'app')).toBe(before);
    expect(settings.settingsFor('acme', 'lib').autoPr).toBe(false);
    expect(logger.lines).toHaveLength(1);
    expect(logger.lines[0]).toMatchObject({ level: 'warn', msg: 'webhooks: reload refused; fix these problems, the previous settings stay in force' });
    expect(
      shown(
        dir,
        (logger.lines[0]!.obj as { errors: string[] }).errors.map((text) => ({ text })),
      ),
    ).toEqual(expected);

    writeTree(dir, { 'acme/app.yaml': 'repository: acme/app\nmin_role: read\n' });
    expect(settings.reload()).toEqual({ ok: true, errors: [] });
    expect(settings.settingsFor('acme', 'app').minRole).toBe('read');
    expect(settings.settingsFor('acme', 'lib').autoPr).toBe(true);
  });

  it('reports the problems of the first load as initialErrors (the service prints them and exits 1)', () => {
    const dir = webhooksTree({ 'acme/app.yaml': 'repository: acme/app\nmin_roles: admin\n' });
    const settings = createRepoSettingsSource({ dir, env: {}, defaults: DEFAULTS });
    expect(shown(dir, settings.initialErrors)).toEqual(['webhooks/acme/app.yaml:2:1: unknown key "min_roles"; did you mean "min_role"?']);
  });

  it('a reload that finds a duplicate keeps the previous settings too', () => {
    const dir = webhooksTree({ 'a.yaml': 'repository: acme/*\nmin_role: admin\n' });
    const settings = createRepoSettingsSource({ dir, env: {}, defaults: DEFAULTS });
    writeTree(dir, { 'b.yaml': 'repository: Acme/*\nmin_role: read\n' });
    expect(shown(dir, settings.reload().errors)).toEqual([
      'webhooks/b.yaml:1:13: Acme/* is already configured in webhooks/a.yaml:1:13; keep one file per repository (merge the two)',
    ]);
    expect(settings.settingsFor('acme', 'x').minRole).toBe('admin');
  });
});
