#!/usr/bin/env node
// A test agent CLI that prints everything it was handed as one JSON line on stdout (which kugetsu
// appends to the job's log): its argv, its whole environment, and the content of every file that an
// argument or an environment value names by absolute path under the directory given by the first
// argument `under:<dir>` (kugetsu's state dir: the prompt file, the message file, the session
// file…). Exit 0. Used to check that no channel into an agent carries uncleaned text.
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const argv = process.argv.slice(2);
const under = argv[0]?.startsWith('under:') ? argv[0].slice('under:'.length) : '/';
const env = { ...process.env };
const files = {};
for (const value of [...argv, ...Object.values(env)]) {
  if (typeof value !== 'string' || !path.isAbsolute(value) || value in files || !value.startsWith(under)) continue;
  try {
    if (statSync(value).isFile() && statSync(value).size < 4_000_000) files[value] = readFileSync(value, 'utf8');
  } catch {
    // not a readable file: not a channel
  }
}
console.log(`DUMP ${JSON.stringify({ argv, env, files })}`);
