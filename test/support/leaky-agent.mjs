#!/usr/bin/env node
// An agent CLI that leaks whatever it can, for the redaction test (test/security/redaction.test.ts):
//   --env-dump DIR   writes its whole environment as JSON to DIR/env-<pid>-<time>-<random>.json
//   --say TEXT       prints TEXT on stdout            --warn TEXT   prints TEXT on stderr
//   --prompt FILE    prints the prompt file on stdout and copies it to prompt-copy.md in the worktree
// It always echoes KUGETSU_MESSAGE (the delegator's message) on stdout and stderr, and exits 3 when
// KUGETSU_ISSUE_KEY ends with "#2" (so that job fails and its output tail is shown), else 0.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const args = process.argv.slice(2);
for (let i = 0; i < args.length; i += 2) {
  const [flag, value] = [args[i], args[i + 1] ?? ''];
  if (flag === '--env-dump') {
    mkdirSync(value, { recursive: true });
    // Not the pid alone: in kugetsu's sandbox every agent is pid 2 of its own namespace.
    writeFileSync(path.join(value, `env-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}.json`), JSON.stringify(process.env));
  } else if (flag === '--say') {
    console.log(value);
  } else if (flag === '--warn') {
    console.error(value);
  } else if (flag === '--prompt') {
    const text = readFileSync(value, 'utf8');
    console.log(text);
    writeFileSync('prompt-copy.md', text);
  }
}
console.log(`message: ${process.env.KUGETSU_MESSAGE ?? ''}`);
console.error(`message: ${process.env.KUGETSU_MESSAGE ?? ''}`);
console.log(`GITEA_TOKEN=${process.env.GITEA_TOKEN ?? ''}`);
process.exitCode = (process.env.KUGETSU_ISSUE_KEY ?? '').endsWith('#2') ? 3 : 0;
