import fs from 'node:fs';
import path from 'node:path';
import { repoConfigError, type RepoConfigError } from './repo-config-error.js';
import { parseRepoFile, type ParsedRepoFile } from './repo-config-file.js';
import { applyRepoFile, freezeSettings } from './repo-config-merge.js';
import { agentKindDefaultsFromEnv } from './agent-kinds.js';
import type { RepoSettings, RepoSettingsSource } from './repo-settings.js';

export type { RepoConfigError } from './repo-config-error.js';

/** What {@link loadRepoSettings} reads. */
export interface LoadRepoSettingsOptions {
  /** `KUGETSU_WEBHOOKS_DIR` as configured (see `webhooksDir`); messages name files under it as given. */
  dir: string;
  /** The environment, for the variables `secret_env` names. */
  env: Record<string, string | undefined>;
  /** The settings of a repository without a file (see `defaultRepoSettings`). */
  defaults: RepoSettings;
}

/** A file is loaded when it ends in `.yaml`/`.yml`, is not `*.example.yaml`, and nothing in its path starts with a dot. */
function isSettingsFile(name: string): boolean {
  return /\.ya?ml$/i.test(name) && !/\.example\.ya?ml$/i.test(name);
}

/** The settings files under `dir` (relative, sorted); a missing directory has none. */
function listFiles(dir: string, errors: RepoConfigError[]): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      if (entry.name.startsWith('.')) continue;
      const child = path.join(rel, entry.name);
      const stat = fs.statSync(path.join(dir, child), { throwIfNoEntry: false });
      if (stat?.isDirectory()) walk(child);
      else if (stat?.isFile() && isSettingsFile(entry.name)) out.push(child);
    }
  };
  try {
    const stat = fs.statSync(dir, { throwIfNoEntry: false });
    if (!stat) return [];
    if (!stat.isDirectory()) {
      errors.push(repoConfigError(dir, 1, 1, 'KUGETSU_WEBHOOKS_DIR must be a directory of per-repository YAML files, but this is a file'));
      return [];
    }
    walk('');
  } catch (err) {
    errors.push(repoConfigError(dir, 1, 1, `cannot read the settings directory: ${(err as Error).message}`));
  }
  return out.sort();
}

/** Parses every file; a repository (or owner wildcard) configured by two files is an error in the second. */
function readFiles(opts: LoadRepoSettingsOptions, errors: RepoConfigError[]): Map<string, ParsedRepoFile> {
  const byRepository = new Map<string, ParsedRepoFile>();
  for (const rel of listFiles(opts.dir, errors)) {
    const file = path.join(opts.dir, rel);
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (err) {
      errors.push(repoConfigError(file, 1, 1, `cannot read the file: ${(err as Error).message}`));
      continue;
    }
    const { parsed, errors: fileErrors } = parseRepoFile(file, text, opts.env);
    errors.push(...fileErrors);
    if (!parsed) continue;
    const key = parsed.repository.toLowerCase();
    const first = byRepository.get(key);
    if (first) {
      const where = `${first.file}:${first.at.line}:${first.at.col}`;
      errors.push(repoConfigError(file, parsed.at.line, parsed.at.col, `${parsed.repository} is already configured in ${where}; keep one file per repository (merge the two)`));
      continue;
    }
    byRepository.set(key, parsed);
  }
  return byRepository;
}

/**
 * Reads the per-repository files of `dir` and resolves every repository's settings once: the exact
 * file over the owner's `owner/*` file over `defaults`, key by key. Returns every problem found
 * (`<file>:<line>:<col>: <message>`); a missing directory is not one. With problems, `source` holds
 * only the files that had none: do not serve with it (start-up exits; a reload keeps the old source).
 */
export function loadRepoSettings(opts: LoadRepoSettingsOptions): { source: RepoSettingsSource; errors: RepoConfigError[] } {
  const errors: RepoConfigError[] = [];
  const files = readFiles(opts, errors);
  const base = freezeSettings(structuredClone(opts.defaults));
  const kinds = agentKindDefaultsFromEnv(opts.env);
  // Keys are `owner/repo`, `owner/*`, or with an instance host first (`host/owner/repo`, `host/owner/*`).
  const owners = new Map<string, RepoSettings>();
  const exact = new Map<string, RepoSettings>();
  const qualified = (key: string) => key.split('/').length === 3;
  for (const [key, file] of [...files].sort(([a], [b]) => Number(qualified(a)) - Number(qualified(b)))) {
    if (!key.endsWith('/*')) continue;
    const owner = key.slice(0, -2);
    // A host's owner file builds on the unqualified one of the same owner.
    const under = qualified(key) ? owners.get(owner.slice(owner.indexOf('/') + 1)) : undefined;
    owners.set(owner, freezeSettings(applyRepoFile(under ?? base, file, kinds)));
  }
  for (const [key, file] of [...files].sort(([a], [b]) => Number(qualified(a)) - Number(qualified(b)))) {
    if (key.endsWith('/*')) continue;
    const owner = key.slice(0, key.lastIndexOf('/'));
    const plainOwner = owner.slice(owner.indexOf('/') + 1);
    const under = qualified(key) ? (owners.get(owner) ?? exact.get(key.slice(key.indexOf('/') + 1)) ?? owners.get(plainOwner)) : owners.get(owner);
    exact.set(key, freezeSettings(applyRepoFile(under ?? base, file, kinds)));
  }
  const configured = [...files.values()].map((f) => f.repository).sort();
  const commandWords = Object.freeze([...new Set([base, ...owners.values(), ...exact.values()].map((st) => st.command))].sort());
  const lower = (s: unknown) => (typeof s === 'string' ? s.toLowerCase() : '');
  const source: RepoSettingsSource = {
    settingsFor: (owner, repo, host) => {
      const [o, r, h] = [lower(owner), lower(repo), lower(host)];
      const onHost = h ? (exact.get(`${h}/${o}/${r}`) ?? owners.get(`${h}/${o}`)) : undefined;
      return onHost ?? exact.get(`${o}/${r}`) ?? owners.get(o) ?? base;
    },
    configured: () => [...configured],
    commandWords: () => commandWords,
  };
  return { source, errors };
}
