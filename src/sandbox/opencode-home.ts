import { access, constants, mkdir, writeFile, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';

/**
 * An isolated, offline home for the real `opencode` binary (tests and `npm run demo`): its config
 * points at the scripted fake model, and nothing it does reaches the network or the user's own
 * `~/.config`, `~/.local/share/opencode` etc. Facts from opencode 1.18.33 (`docs/opencode-offline.md`).
 */

/** Options of {@link createOpencodeHome}. */
export interface OpencodeHomeOptions {
  /** Directory to build the home in (created if missing); sessions and logs live under it. */
  dir: string;
  /** Base URL of the OpenAI-compatible model, e.g. the fake model's `http://127.0.0.1:PORT/v1`. */
  modelUrl: string;
  /** `PATH` for the agent process. Needs `git`, and `rg` (ripgrep) so that opencode does not try to download it. */
  path: string;
  /**
   * Version of `@opencode-ai/plugin` to seed, which must equal the opencode version or opencode
   * starts an npm install. Default: read from the installed `opencode-ai/package.json`.
   */
  opencodeVersion?: string;
  /** Set `OPENCODE_DISABLE_PROJECT_CONFIG=1` (ignore `opencode.json`, `AGENTS.md`, `.opencode/` in the worktree). Default false. */
  disableProjectConfig?: boolean;
}

/** The result of {@link createOpencodeHome}. */
export interface OpencodeHome {
  /** The complete environment for the agent process (pass as `AgentTurn.env`). */
  env: Record<string, string>;
  /** The opencode config file (`OPENCODE_CONFIG`). */
  configFile: string;
  /** opencode's data dir (`$XDG_DATA_HOME/opencode`): sessions, logs. */
  dataDir: string;
  /** Problems worth telling the user, e.g. `rg` missing from {@link OpencodeHomeOptions.path}. */
  warnings: string[];
}

/**
 * True when an executable `rg` is in one of the `PATH` directories. Without it opencode 1.18.33
 * still runs a turn, but logs "downloading ripgrep" (from github.com, into `$XDG_CACHE_HOME/opencode/bin`)
 * on every start, and offline its `grep`/`glob` tools fail with "ripgrep execution failed".
 */
export async function ripgrepOnPath(pathValue: string): Promise<boolean> {
  for (const dir of pathValue.split(path.delimiter)) {
    if (dir === '') continue;
    const ok = await access(path.join(dir, 'rg'), constants.X_OK).then(
      () => true,
      () => false,
    );
    if (ok) return true;
  }
  return false;
}

/** The provider id and model id in the generated config (`--model mock/scripted`). */
export const FAKE_MODEL_ID = 'mock/scripted';

/**
 * The version of the installed `opencode-ai` package (`node_modules/opencode-ai/package.json`).
 * Throws when the package is not installed.
 */
export async function installedOpencodeVersion(): Promise<string> {
  const require = createRequire(import.meta.url);
  const file = require.resolve('opencode-ai/package.json');
  const pkg = JSON.parse(await readFile(file, 'utf8')) as { version?: unknown };
  if (typeof pkg.version !== 'string') throw new Error(`no version in ${file}`);
  return pkg.version;
}

/**
 * Builds the home under `options.dir` and returns the environment that makes opencode use it.
 * Layout: `home/`, `config/` (XDG config, with `opencode/` seeded), `data/`, `cache/`, `state/`,
 * `tmp/`, `opencode.json` (the `OPENCODE_CONFIG` file). Idempotent: reusing a dir keeps its sessions.
 */
export async function createOpencodeHome(options: OpencodeHomeOptions): Promise<OpencodeHome> {
  const root = path.resolve(options.dir);
  const d = {
    home: path.join(root, 'home'),
    config: path.join(root, 'config'),
    data: path.join(root, 'data'),
    cache: path.join(root, 'cache'),
    state: path.join(root, 'state'),
    tmp: path.join(root, 'tmp'),
  };
  for (const dir of Object.values(d)) await mkdir(dir, { recursive: true });

  // Seed $XDG_CONFIG_HOME/opencode so opencode sees its plugin package as installed; without this
  // every run starts a background `npm install @opencode-ai/plugin` (~55 MB, network).
  const version = options.opencodeVersion ?? (await installedOpencodeVersion());
  const ocConfigDir = path.join(d.config, 'opencode');
  await mkdir(path.join(ocConfigDir, 'node_modules'), { recursive: true });
  const deps = { '@opencode-ai/plugin': version };
  await writeFile(path.join(ocConfigDir, 'package.json'), `${JSON.stringify({ dependencies: deps }, null, 2)}\n`);
  await writeFile(path.join(ocConfigDir, 'package-lock.json'), `${JSON.stringify({ lockfileVersion: 3, packages: { '': { dependencies: deps } } }, null, 2)}\n`);
  // opencode writes this file into its config dir when it is missing; kugetsu's agent sandbox shows
  // that dir read-only, so it must be there before a turn (same content as opencode 1.18.33 writes).
  await writeFile(path.join(ocConfigDir, '.gitignore'), `${['node_modules', 'package.json', 'package-lock.json', 'bun.lock', '.gitignore'].join('\n')}\n`);

  // The provider package is bundled in the opencode binary: nothing is installed at run time.
  const configFile = path.join(root, 'opencode.json');
  const config = {
    $schema: 'https://opencode.ai/config.json',
    provider: {
      mock: {
        npm: '@ai-sdk/openai-compatible',
        name: 'kugetsu fake model',
        options: { baseURL: '{env:FAKE_LLM_URL}', apiKey: 'sk-fake' },
        models: { scripted: { name: 'scripted', tool_call: true, limit: { context: 200000, output: 8192 } } },
      },
    },
    model: FAKE_MODEL_ID,
    small_model: FAKE_MODEL_ID,
    enabled_providers: ['mock'],
    autoupdate: false,
    share: 'disabled',
  };
  await writeFile(configFile, `${JSON.stringify(config, null, 2)}\n`);

  const env: Record<string, string> = {
    PATH: options.path,
    // Everything opencode stores (sessions in the data dir, logs, caches, its tool downloads) stays here.
    HOME: d.home,
    XDG_CONFIG_HOME: d.config,
    XDG_DATA_HOME: d.data,
    XDG_CACHE_HOME: d.cache,
    XDG_STATE_HOME: d.state,
    TMPDIR: d.tmp,
    // The config above: the fake provider, no autoupdate, no sharing.
    OPENCODE_CONFIG: configFile,
    // Read by the config's `{env:FAKE_LLM_URL}`, so the same file works for any port.
    FAKE_LLM_URL: options.modelUrl,
    // No fetch of the models.dev catalogue at start.
    OPENCODE_DISABLE_MODELS_FETCH: '1',
    // No self-update check.
    OPENCODE_DISABLE_AUTOUPDATE: '1',
    // No session sharing upload.
    OPENCODE_DISABLE_SHARE: '1',
    // No language-server downloads when a file is edited.
    OPENCODE_DISABLE_LSP_DOWNLOAD: '1',
    // Do not read ~/.claude (CLAUDE.md, skills) — there is none here anyway, and it saves lookups.
    OPENCODE_DISABLE_CLAUDE_CODE: '1',
    // No file-finder native library (a 5.5 MB .so written into TMPDIR on every run).
    OPENCODE_DISABLE_FFF: '1',
  };
  if (options.disableProjectConfig) env.OPENCODE_DISABLE_PROJECT_CONFIG = '1';
  const warnings: string[] = [];
  if (!(await ripgrepOnPath(options.path))) {
    warnings.push("ripgrep ('rg') is not on PATH: opencode will try to download it, and offline its grep/glob tools fail; install the 'ripgrep' package");
  }
  return { env, configFile, dataDir: path.join(d.data, 'opencode'), warnings };
}
