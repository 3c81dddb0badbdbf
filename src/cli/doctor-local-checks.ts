import { execFile } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { envSchema } from '../config/config.js';
import { ConfigError, loadConfig } from '../config/load-config.js';
import { SCHEMA_VERSION } from '../store/migrations.js';
import { fail, ok, warn, type DoctorCheck } from './doctor-check.js';
import { dbFile, readSchemaVersion } from './job-db.js';

const run = promisify(execFile);

/** The whole configuration, as `kugetsu serve` would load it. */
export function checkConfig(env: Record<string, string | undefined>, cwd: string): DoctorCheck {
  try {
    loadConfig(env, cwd);
    return ok('configuration', 'every setting is valid');
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return fail('configuration', err.problems.join('; '), 'set these variables (README "Configuration"); kugetsu serve refuses to start until then');
  }
}

/** `<cmd> --version`, first line; `undefined` when it cannot run. */
async function versionOf(cmd: string, env: Record<string, string | undefined>, cwd: string): Promise<string | undefined> {
  try {
    const { stdout } = await run(cmd, ['--version'], { env: env as NodeJS.ProcessEnv, cwd, timeout: 10_000 });
    return stdout.split('\n')[0]?.trim() || '(no version printed)';
  } catch {
    return undefined;
  }
}

/** git, which every job uses (clone, worktree, commit, push). */
export async function checkGit(env: Record<string, string | undefined>, cwd: string): Promise<DoctorCheck> {
  const version = await versionOf('git', env, cwd);
  return version ? ok('git', version) : fail('git', 'git is not on PATH', 'install git (Debian/Ubuntu: apt-get install git)');
}

/** ripgrep, which opencode's search tools use: recommended, not required. */
export async function checkRipgrep(env: Record<string, string | undefined>, cwd: string): Promise<DoctorCheck> {
  const version = await versionOf('rg', env, cwd);
  return version ? ok('ripgrep', version) : warn('ripgrep', 'rg is not on PATH', "install ripgrep (apt-get install ripgrep); opencode's search tools use it");
}

/** The agent binary: `KUGETSU_OPENCODE_BIN`, `KUGETSU_CLAUDE_BIN` or `KUGETSU_CODEX_BIN` (by `KUGETSU_AGENT`), or argv[0] of `KUGETSU_AGENT_COMMAND`. */
export function checkAgent(env: Record<string, string | undefined>, cwd: string): DoctorCheck {
  const shape = envSchema.shape;
  const parsedKind = shape.KUGETSU_AGENT.safeParse(env['KUGETSU_AGENT']);
  const kind = parsedKind.success ? parsedKind.data : 'opencode';
  const argv = shape.KUGETSU_AGENT_COMMAND.safeParse(env['KUGETSU_AGENT_COMMAND']);
  const binVar = { opencode: 'KUGETSU_OPENCODE_BIN', claude: 'KUGETSU_CLAUDE_BIN', codex: 'KUGETSU_CODEX_BIN', command: undefined }[kind];
  const bin = binVar ? shape[binVar as 'KUGETSU_OPENCODE_BIN'].safeParse(env[binVar]) : undefined;
  const program = kind === 'command' ? (argv.success ? argv.data?.[0] : undefined) : bin?.success ? bin.data : undefined;
  if (!program) return fail('agent', 'no agent command configured', 'set KUGETSU_AGENT_COMMAND to a JSON argv, e.g. ["my-agent","{promptFile}"]');
  const found = resolveProgram(program, env, cwd);
  if (found) return ok('agent', `${kind}: ${found}`);
  const install = { opencode: 'npm install -g opencode-ai', claude: 'npm install -g @anthropic-ai/claude-code', codex: 'npm install -g @openai/codex', command: '' }[kind];
  return fail(
    'agent',
    `${program} is not ${program.includes('/') ? 'an executable file' : 'on PATH'}`,
    kind === 'command' ? `install ${program} or fix KUGETSU_AGENT_COMMAND` : `install ${kind} (${install}) or point ${binVar} at it`,
  );
}

/** The absolute path `program` runs as (PATH lookup unless it contains a slash), or `undefined`. */
export function resolveProgram(program: string, env: Record<string, string | undefined>, cwd: string): string | undefined {
  const candidates = program.includes('/')
    ? [path.resolve(cwd, program)]
    : (env['PATH'] ?? '')
        .split(path.delimiter)
        .filter(Boolean)
        .map((d) => path.join(d, program));
  return candidates.find((file) => {
    try {
      accessSync(file, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** The state dir is writable and its database (if any) opens with a schema this kugetsu knows. */
export function checkStateDir(stateDir: string): DoctorCheck[] {
  const checks: DoctorCheck[] = [];
  try {
    mkdirSync(stateDir, { recursive: true });
    const probe = path.join(stateDir, `.doctor-${process.pid}`);
    writeFileSync(probe, 'ok');
    rmSync(probe);
    checks.push(ok('state dir', `${stateDir} is writable`));
  } catch (err) {
    checks.push(fail('state dir', `${stateDir}: ${(err as Error).message}`, "set KUGETSU_STATE_DIR to a directory kugetsu's user can write, or fix its owner/permissions"));
    return checks;
  }
  const file = dbFile(stateDir);
  try {
    const version = readSchemaVersion(file);
    if (version === undefined || !existsSync(file)) checks.push(ok('database', `no database yet; kugetsu serve creates ${file}`));
    else if (version === SCHEMA_VERSION) checks.push(ok('database', `${file} opens, schema version ${version}`));
    else if (version < SCHEMA_VERSION) checks.push(warn('database', `${file} has schema version ${version}`, `kugetsu serve migrates it to version ${SCHEMA_VERSION} at start`));
    else
      checks.push(
        fail('database', `${file} has schema version ${version}, newer than this kugetsu (${SCHEMA_VERSION})`, 'run the kugetsu version that wrote it, or upgrade this one'),
      );
  } catch (err) {
    checks.push(fail('database', `${file} does not open: ${(err as Error).message}`, "check the file's permissions; restore it from a backup if it is damaged"));
  }
  return checks;
}

/** Whether a kugetsu answers `GET /healthz` at `url` (a warning only: it may run elsewhere). */
export async function checkServer(url: string, doFetch: typeof fetch): Promise<DoctorCheck> {
  try {
    const response = await doFetch(`${url}/healthz`, { signal: AbortSignal.timeout(3000) });
    const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
    if (response.ok) return ok('server', `kugetsu answers at ${url} (running ${String(body['running'] ?? '?')}, waiting ${String(body['waiting'] ?? '?')})`);
    return warn('server', `${url}/healthz answered ${response.status} (${String(body['status'] ?? '')})`, 'it is shutting down or something else listens on PORT');
  } catch {
    return warn('server', `no kugetsu at ${url}`, 'start it with kugetsu serve (fine to ignore if it runs on another host or port)');
  }
}
