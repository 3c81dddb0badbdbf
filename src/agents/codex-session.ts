import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { codexCounts, type CodexTokenCounts } from './codex-events.js';
import { FILE_SAFE_SESSION_ID, MAX_SESSION_FILE_BYTES } from './session-home.js';
import type { SessionTransfer } from './types.js';

/** A rollout's path under `$CODEX_HOME/sessions`: `YYYY/MM/DD/rollout-<time>-<id>.jsonl` (Codex 0.169.0). */
const ROLLOUT_PATH = /^\d{4}\/\d{2}\/\d{2}\/rollout-[0-9T:-]+-([A-Za-z0-9-]+)\.jsonl$/;

/**
 * The rollout file of thread `threadId` under `<codexHome>/sessions` (relative path and absolute
 * path), or `undefined`. Walks the three date levels only.
 */
export async function findRollout(codexHome: string, threadId: string): Promise<{ rel: string; file: string } | undefined> {
  if (!FILE_SAFE_SESSION_ID.test(threadId)) return undefined;
  const root = path.join(codexHome, 'sessions');
  const list = (d: string) => readdir(d).catch(() => [] as string[]);
  const suffix = `-${threadId}.jsonl`;
  for (const y of (await list(root)).sort().reverse()) {
    for (const m of (await list(path.join(root, y))).sort().reverse()) {
      for (const d of (await list(path.join(root, y, m))).sort().reverse()) {
        const hit = (await list(path.join(root, y, m, d))).find((f) => f.startsWith('rollout-') && f.endsWith(suffix));
        if (hit) return { rel: [y, m, d, hit].join('/'), file: path.join(root, y, m, d, hit) };
      }
    }
  }
  return undefined;
}

/**
 * The thread's running token totals before a resumed turn: `total_token_usage` of the last
 * `token_count` event in its rollout file. `undefined` when the file or the event is missing.
 */
export async function rolloutTotals(codexHome: string, threadId: string): Promise<CodexTokenCounts | undefined> {
  const found = await findRollout(codexHome, threadId);
  if (!found) return undefined;
  const text = await readFile(found.file, 'utf8').catch(() => '');
  let totals: CodexTokenCounts | undefined;
  for (const line of text.split('\n')) {
    if (!line.includes('"token_count"')) continue;
    try {
      const ev = JSON.parse(line) as { payload?: { type?: string; info?: { total_token_usage?: unknown } } };
      if (ev.payload?.type === 'token_count' && ev.payload.info?.total_token_usage) totals = codexCounts(ev.payload.info.total_token_usage);
    } catch {
      // a torn line: skip it
    }
  }
  return totals;
}

/** What an export of a Codex session holds: the rollout's path under `sessions/` and its text. */
interface CodexExport {
  kind: 'codex-rollout';
  threadId: string;
  path: string;
  content: string;
}

/** The rollout of `threadId` in `codexHome` as export bytes (JSON `{kind, threadId, path, content}`). */
export async function exportCodexSession(codexHome: string | undefined, threadId: string): Promise<SessionTransfer> {
  if (!codexHome) return { ok: false, problem: 'Codex has no CODEX_HOME here, so its sessions cannot be found' };
  const found = await findRollout(codexHome, threadId);
  if (!found) return { ok: false, problem: `Codex's rollout of thread ${threadId} was not found under ${path.join(codexHome, 'sessions')}` };
  const s = await stat(found.file);
  if (s.size > MAX_SESSION_FILE_BYTES) return { ok: false, problem: `the rollout ${found.file} is over ${MAX_SESSION_FILE_BYTES} bytes` };
  const out: CodexExport = { kind: 'codex-rollout', threadId, path: found.rel, content: await readFile(found.file, 'utf8') };
  return { ok: true, data: Buffer.from(JSON.stringify(out)) };
}

/** Writes an export of {@link exportCodexSession} back to `<codexHome>/sessions/<its path>` (owner-only). */
export async function importCodexSession(codexHome: string | undefined, threadId: string, data: Buffer): Promise<SessionTransfer> {
  if (!codexHome) return { ok: false, problem: 'Codex has no CODEX_HOME here to import the session into' };
  let parsed: Partial<CodexExport>;
  try {
    parsed = JSON.parse(data.toString('utf8')) as Partial<CodexExport>;
  } catch {
    return { ok: false, problem: 'the stored export is not a Codex session export' };
  }
  const m = typeof parsed.path === 'string' ? ROLLOUT_PATH.exec(parsed.path) : null;
  if (parsed.kind !== 'codex-rollout' || parsed.threadId !== threadId || !m || m[1] !== threadId || typeof parsed.content !== 'string') {
    return { ok: false, problem: `the stored export is not Codex's session ${threadId}` };
  }
  try {
    const file = path.join(codexHome, 'sessions', ...parsed.path!.split('/'));
    await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    await writeFile(file, parsed.content, { mode: 0o600 });
    return { ok: true, data };
  } catch (err) {
    return { ok: false, problem: `the rollout could not be written (${(err as Error).message})` };
  }
}
