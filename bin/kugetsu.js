#!/usr/bin/env node
// Entry point of the `kugetsu` command. The TypeScript sources are compiled to dist/ by
// `npm run build` (run automatically by `npm install` / `npm ci` through the `prepare` script).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write('kugetsu is not built yet: run `npm run build` in the kugetsu folder.\n');
  process.exit(1);
}
// `kugetsu jobs list | head`: a closed pipe ends the command quietly, as for any Unix tool.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
}
const { main } = await import(entry.href);
await main(process.argv);
