import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runDemo } from './run-demo.js';

/**
 * `npm run demo`: the main job on embedded defaults with nothing else installed — prints each
 * delivery, every version of the status comment, the pushed branch and the session ids.
 * Exit code 0 when both jobs succeeded on one session, 1 otherwise.
 */
async function main(): Promise<number> {
  const dir = mkdtempSync(path.join(tmpdir(), 'kugetsu-demo-'));
  const opencodeBin = fileURLToPath(new URL('../../node_modules/.bin/opencode', import.meta.url));
  const print = (line: string) => process.stdout.write(`${line}\n`);
  print(`kugetsu demo in ${dir}`);
  const result = await runDemo({ dir, opencodeBin, print });

  print('');
  print('Status comment trail (each create and edit kugetsu sent to Gitea):');
  for (const entry of result.trail) {
    const lines = entry.body.split('\n');
    const superseded = lines.find((l) => l.includes('Superseded by job'));
    const headline = superseded ? superseded.replace(/<\/?[a-z]+>/g, '').trim() : (lines.find((l) => l.includes('**kugetsu**')) ?? '');
    print(`  ${entry.action === 'created' ? 'created' : `edited #${entry.commentId}`}: ${headline}`);
  }
  const last = result.trail.at(-1);
  if (last) {
    print('');
    print('Final status comment:');
    print(last.body.replace(/^/gm, '  │ '));
  }
  const fake = result.sandbox.gitea.fake;
  print(`Labels on demo/hello#1: ${fake.issueLabelNames('demo/hello', 1).join(', ') || '(none)'}`);
  for (const pr of [...fake.repo('demo/hello').issues.values()].filter((i) => i.pull)) {
    print(`Pull request #${pr.number} opened by kugetsu: "${pr.title}" (${pr.pull!.headRef} → ${pr.pull!.baseRef})`);
  }
  print(`Branch kugetsu/issue-1 on the origin:\n${result.branchLog.replace(/^/gm, '  ')}`);
  print(`GREETING.md as pushed:\n${result.greeting.replace(/^/gm, '  │ ')}`);
  const sessions = result.jobs.map((j) => j.result?.sessionId ?? '(none)');
  print(`Jobs: ${result.jobs.map((j) => `#${j.id} ${j.state}`).join(', ')}; opencode sessions: ${sessions.join(', ')}`);
  const ok = result.jobs.length === 2 && result.jobs.every((j) => j.state === 'succeeded') && sessions[0] === sessions[1] && sessions[0] !== '(none)';
  print(ok ? '\nDemo succeeded: two turns, one session, one branch.' : '\nDemo FAILED: see the trail above and the log.');
  return ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`demo failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
