import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createOpencodeAgent } from '../agents/opencode-agent.js';
import { createOpencodeServeAgent } from '../agents/opencode-serve-agent.js';
import { NO_SANDBOX } from '../agents/turn-sandbox.js';
import type { AgentAdapter, AgentTurn } from '../agents/types.js';
import { issueKey } from '../domain/issue-key.js';
import { startFakeModel } from '../sandbox/fake-model.js';
import { createOpencodeHome, installedOpencodeVersion } from '../sandbox/opencode-home.js';
import { median } from './stats.js';

/** Turn-start times of one opencode mode, in ms: turn start (`adapter.run` called) → the model's first request of the turn. */
export interface TurnStartMode {
  /** The issue's first turn (serve: the server's start included, it was not running). */
  firstMs: number;
  /** Follow-up turns continuing the session in the same worktree. */
  followUpsMs: number[];
  /** Median of {@link followUpsMs}. */
  followUpP50: number;
  /** First turns of further issues (new worktrees; serve: on the running server). */
  newIssuesMs: number[];
  /** Median of {@link newIssuesMs}. */
  newIssueP50: number;
}

/** Measurement 8: cold `opencode run` against warm `opencode serve`. */
export interface TurnStartResult {
  opencodeVersion: string;
  run: TurnStartMode;
  serve: TurnStartMode;
}

const OPENCODE_BIN = fileURLToPath(new URL('../../node_modules/.bin/opencode', import.meta.url));

/**
 * Measurement 8, turn start: the real opencode binary (node_modules, opencode-ai) against the
 * scripted fake model on 127.0.0.1, no sandbox, one isolated opencode home. For each mode
 * (`run`: one `opencode run` per turn; `serve`: one warm `opencode serve`), the time from the
 * turn's start to the model's first request: an issue's first turn, `followUps` follow-ups in its
 * session, and `newIssues` first turns of other issues. The model answers "done" at once.
 */
export async function measureTurnStart(options: { tmp: string; followUps: number; newIssues: number; log: (line: string) => void }): Promise<TurnStartResult> {
  const firstRequest = new Map<string, number>();
  const model = await startFakeModel({
    onRequest: (r) => {
      if (r.kind === 'turn' && r.workdir !== undefined && !firstRequest.has(r.workdir)) firstRequest.set(r.workdir, r.at);
    },
  });
  const home = await createOpencodeHome({ dir: path.join(options.tmp, 'home'), modelUrl: model.url, path: process.env.PATH ?? '/usr/bin:/bin' });
  let n = 0;
  const worktree = (mode: string): string => {
    const wt = path.join(options.tmp, mode, `issue-${++n}`, 'wt');
    mkdirSync(wt, { recursive: true });
    execFileSync('git', ['init', '-q', '-b', 'main', wt]);
    execFileSync('git', ['-C', wt, '-c', 'user.name=b', '-c', 'user.email=b@example.com', 'commit', '-q', '--allow-empty', '-m', 'init']);
    return wt;
  };
  const timeTurn = async (adapter: AgentAdapter, wt: string, sessionId: string | undefined): Promise<{ ms: number; sessionId: string | undefined }> => {
    const base = path.dirname(wt);
    const promptFile = path.join(base, 'prompt.md');
    writeFileSync(promptFile, 'Say done.\n');
    const turn: AgentTurn = {
      issueKey: issueKey('bench', 'app', n),
      worktree: wt,
      branch: 'kugetsu/issue-1',
      promptFile,
      message: '',
      sessionId,
      sessionFile: path.join(base, 'session-id'),
      timeoutMs: 300_000,
      env: home.env,
      logFile: path.join(base, 'turn.log'),
      sandbox: NO_SANDBOX,
    };
    firstRequest.delete(wt);
    const started = Date.now();
    const outcome = await adapter.run(turn);
    const at = firstRequest.get(wt);
    if (outcome.exitCode !== 0 || at === undefined) throw new Error(`bench turn in ${wt} failed: ${outcome.startError ?? outcome.agentError ?? outcome.outputTail}`);
    return { ms: at - started, sessionId: outcome.sessionId };
  };
  const measure = async (mode: 'run' | 'serve', adapter: AgentAdapter): Promise<TurnStartMode> => {
    const wt = worktree(mode);
    const first = await timeTurn(adapter, wt, undefined);
    options.log(`turn start, ${mode}: first turn ${first.ms} ms`);
    const followUpsMs: number[] = [];
    for (let i = 0; i < options.followUps; i++) followUpsMs.push((await timeTurn(adapter, wt, first.sessionId)).ms);
    const newIssuesMs: number[] = [];
    for (let i = 0; i < options.newIssues; i++) newIssuesMs.push((await timeTurn(adapter, worktree(mode), undefined)).ms);
    options.log(`turn start, ${mode}: follow-ups ${followUpsMs.join(', ')} ms; new issues ${newIssuesMs.join(', ')} ms`);
    return { firstMs: first.ms, followUpsMs, followUpP50: median(followUpsMs), newIssuesMs, newIssueP50: median(newIssuesMs) };
  };
  const serve = createOpencodeServeAgent({ bin: OPENCODE_BIN, serverDir: path.join(options.tmp, 'server') });
  try {
    const run = await measure('run', createOpencodeAgent({ bin: OPENCODE_BIN }));
    const warm = await measure('serve', serve);
    return { opencodeVersion: await installedOpencodeVersion(), run, serve: warm };
  } finally {
    await serve.close();
    await model.close();
  }
}
