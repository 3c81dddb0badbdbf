import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';

/** A minimal environment for the benchmark's own git commands (no user or system config). */
export const GIT_ENV: NodeJS.ProcessEnv = {
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  HOME: '/nonexistent',
  LANG: 'C',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_TERMINAL_PROMPT: '0',
};

/** Runs git synchronously with {@link GIT_ENV}; returns trimmed stdout. */
export function git(cwd: string, args: string[]): string {
  return execFileSync('git', args, { cwd, env: GIT_ENV, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 2 ** 20 }).trim();
}

function feed(dir: string, stream: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['fast-import', '--quiet'], { cwd: dir, env: GIT_ENV, stdio: ['pipe', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`git fast-import exited ${code}: ${err}`))));
    for (const chunk of stream) child.stdin.write(chunk);
    child.stdin.end();
  });
}

const data = (text: string) => `data ${Buffer.byteLength(text)}\n${text}\n`;
const fileText = (path: string, version: number) => `// ${path} v${version}\nexport const value = ${version};\n${'// filler line to make the file look like code\n'.repeat(4)}`;
const pathOf = (i: number) => `src/m${String(Math.floor(i / 1000)).padStart(2, '0')}/d${String(Math.floor(i / 50) % 20).padStart(2, '0')}/f${String(i).padStart(5, '0')}.ts`;

/**
 * Creates a bare repository `dir` with `files` files (≈ 300 bytes each, in 3-level directories)
 * and `commits` commits on `main`: the first adds every file, each later one changes 5 of them.
 * Built with `git fast-import` (seconds, not minutes). Returns the head commit.
 */
export async function generateRepo(dir: string, files: number, commits: number): Promise<string> {
  mkdirSync(dir, { recursive: true });
  git(dir, ['init', '--quiet', '--bare', '--initial-branch=main']);
  const stream: string[] = [];
  const when = 1_700_000_000;
  const header = (n: number, msg: string) => `commit refs/heads/main\ncommitter Bench <bench@localhost> ${when + n * 60} +0000\n${data(msg)}`;
  let chunk = header(0, 'Initial import');
  for (let i = 0; i < files; i++) {
    chunk += `M 100644 inline ${pathOf(i)}\n${data(fileText(pathOf(i), 0))}`;
    if (chunk.length > 1 << 20) stream.push(chunk), (chunk = '');
  }
  stream.push(chunk);
  for (let c = 1; c < commits; c++) {
    let commit = header(c, `Change ${c}`);
    for (let k = 0; k < 5; k++) {
      const p = pathOf((c * 7919 + k * 104_729) % files);
      commit += `M 100644 inline ${p}\n${data(fileText(p, c))}`;
    }
    stream.push(commit);
  }
  await feed(dir, stream);
  return git(dir, ['rev-parse', 'main']);
}

/** Adds one commit changing 5 files on top of `main` of the bare repository `dir` (a push to origin). */
export async function addCommit(dir: string, files: number, n: number): Promise<void> {
  let commit = `commit refs/heads/main\ncommitter Bench <bench@localhost> ${1_800_000_000 + n} +0000\n${data(`Later change ${n}`)}from refs/heads/main^0\n`;
  for (let k = 0; k < 5; k++) {
    const p = pathOf((n * 31 + k * 4001) % files);
    commit += `M 100644 inline ${p}\n${data(fileText(p, 100_000 + n))}`;
  }
  await feed(dir, [commit]);
}
