import { execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

/**
 * The server binaries of Debian's `postgresql` package (`/usr/lib/postgresql/<major>/bin`, the
 * newest major installed; 15 on Debian 12); `KUGETSU_PG_BIN` overrides.
 */
export const PG_BIN = process.env.KUGETSU_PG_BIN ?? debianPgBin();

function debianPgBin(): string {
  const root = '/usr/lib/postgresql';
  const majors = existsSync(root) ? readdirSync(root).filter((v) => /^\d+$/.test(v) && existsSync(join(root, v, 'bin', 'initdb'))) : [];
  const newest = majors.sort((a, b) => Number(b) - Number(a))[0] ?? '15';
  return join(root, newest, 'bin');
}

/** Options of {@link startPostgresCluster}. */
export interface PostgresClusterOptions {
  /**
   * Keep PostgreSQL's durable defaults (`fsync`, `synchronous_commit`, `full_page_writes` on), as
   * a production server runs: the benchmark compares it with SQLite's `synchronous=FULL`. Default
   * false (tests): durability off, since the data is thrown away.
   */
  durable?: boolean;
  /** `max_connections` (default PostgreSQL's 100). */
  maxConnections?: number;
}

/** A running throwaway cluster. */
export interface PostgresCluster {
  /** `postgresql://postgres:<password>@127.0.0.1:<port>/postgres` (a superuser). */
  url: string;
  port: number;
  /** The folder holding the data dir, the socket, the log and the password file. */
  dir: string;
  /** Stops the server at once (`pg_ctl stop -m immediate`) and removes {@link dir}; idempotent, synchronous. */
  stop(): void;
}

/**
 * Starts a private PostgreSQL cluster for tests and the benchmark: `initdb` into a fresh folder
 * under /tmp (superuser `postgres` with a random password, scram-sha-256 on TCP, UTF-8, locale C)
 * and `pg_ctl start` on a free port of 127.0.0.1 only, its Unix socket in that folder. `initdb`
 * refuses to run as root (PostgreSQL 15 docs, "initdb"), so as root both run as the `postgres`
 * user through `runuser -u postgres --` (the Debian package creates that user); otherwise as the
 * current user. Durability is off (`fsync=off`, `synchronous_commit=off`) unless
 * `options.durable`: the data is thrown away, and nothing ever crashes this server. A detached
 * watchdog (`sh`, polling once a second) stops the cluster and removes its folder once this
 * process is gone, however it ended (vitest ends its workers with SIGTERM, which runs no exit
 * handler; SIGKILL runs nothing at all). Throws the failing command's output when a step fails.
 */
export async function startPostgresCluster(options: PostgresClusterOptions = {}): Promise<PostgresCluster> {
  const dir = mkdtempSync('/tmp/kugetsu-pg-');
  const data = join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  const run = (bin: string, args: string[]) => {
    const argv = asRoot ? ['-u', 'postgres', '--', join(PG_BIN, bin), ...args] : args;
    try {
      return execFileSync(asRoot ? 'runuser' : join(PG_BIN, bin), argv, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', timeout: 120_000 });
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string; message: string };
      throw new Error(`${bin} failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`);
    }
  };
  const password = randomBytes(18).toString('base64url');
  const pwfile = join(dir, 'pwfile');
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  mkdirSync(data, { mode: 0o700 });
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    for (const path of [dir, data, pwfile]) chownSync(path, uid, gid);
  }
  let watchdog: number | undefined;
  const stop = () => {
    if (watchdog !== undefined) {
      try {
        process.kill(watchdog);
      } catch {
        // gone already
      }
      watchdog = undefined;
    }
    try {
      run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
    } catch {
      // not running (any more)
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    run('initdb', ['-D', data, '-U', 'postgres', `--pwfile=${pwfile}`, '--auth-host=scram-sha-256', '--auth-local=peer', '-E', 'UTF8', '--locale=C', '--no-sync']);
    const port = await freePort();
    // pg_ctl hands -o to the server through /bin/sh: the folder comes from mkdtemp (no spaces).
    const durability = options.durable ? '' : ' -c fsync=off -c synchronous_commit=off -c full_page_writes=off';
    const connections = options.maxConnections !== undefined ? ` -c max_connections=${Math.floor(options.maxConnections)}` : '';
    const serverOptions = `-c listen_addresses=127.0.0.1 -p ${port} -c unix_socket_directories=${dir}${durability}${connections}`;
    run('pg_ctl', ['-D', data, '-l', join(dir, 'server.log'), '-w', '-t', '60', '-o', serverOptions, 'start']);
    watchdog = startWatchdog(process.pid, dir, asRoot);
    return { url: `postgresql://postgres:${password}@127.0.0.1:${port}/postgres`, port, dir, stop };
  } catch (err) {
    stop();
    throw err;
  }
}

/**
 * A detached `sh` that waits for process `pid` to end, then stops the cluster in `dir` and
 * removes `dir`; returns its pid. Values reach the script as positional parameters, never spliced.
 */
function startWatchdog(pid: number, dir: string, asRoot: boolean): number | undefined {
  const script =
    'while kill -0 "$1" 2>/dev/null; do sleep 1; done; ' +
    'if [ "$4" = root ]; then runuser -u postgres -- "$3" -D "$2/data" -m immediate -w stop; else "$3" -D "$2/data" -m immediate -w stop; fi; ' +
    'rm -rf "$2"';
  const child = spawn('sh', ['-c', script, 'kugetsu-pg-watchdog', String(pid), dir, join(PG_BIN, 'pg_ctl'), asRoot ? 'root' : 'user'], { detached: true, stdio: 'ignore' });
  child.unref();
  return child.pid;
}

/** A TCP port of 127.0.0.1 that was free a moment ago. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
