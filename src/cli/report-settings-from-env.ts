import path from 'node:path';
import { createRepoSettingsSource } from '../config/repo-config-source.js';
import { defaultRepoSettings, webhooksDir } from '../config/repo-config-defaults.js';
import type { RepoRef } from '../domain/repo-ref.js';
import type { ReportSettings } from '../report/report-items.js';

/**
 * The report switches (state labels, auto-PR, PR base) of each repository as `kugetsu serve` would
 * use them — its `KUGETSU_WEBHOOKS_DIR` files over the defaults — for commands that change a job
 * without the server (so their Gitea writes follow the repository's settings, not defaults).
 * Files with problems are ignored (the defaults apply); the server reports them.
 */
export function reportSettingsFromEnv(env: Record<string, string | undefined>, cwd: string): (repo: RepoRef) => ReportSettings {
  const defaults = defaultRepoSettings(
    {
      triggerLabel: 'ready',
      command: '/kugetsu',
      access: { minRole: 'write', allowUsers: [], denyUsers: [] },
      agent: { kind: 'opencode', bin: 'opencode' },
      agentTimeoutMs: 3_600_000,
    },
    env,
  );
  const source = createRepoSettingsSource({ dir: path.resolve(cwd, webhooksDir(env)), env, defaults });
  return (repo) => source.settingsFor(repo.owner, repo.name);
}
