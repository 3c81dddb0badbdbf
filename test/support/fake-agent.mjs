#!/usr/bin/env node
// A tiny fake agent CLI for tests. Every argument of the form `action:value` is an action, run in
// order; other arguments are ignored (so placeholders can be checked with `argv`).
//
//   argv                 print JSON.stringify(process.argv.slice(2)) on one line
//   env:NAME             print `NAME=<value>` (value empty when unset)
//   print:TEXT           print TEXT on stdout          stderr:TEXT   print TEXT on stderr
//   lines:N              print N lines `line <i>`
//   sleep:MS             wait MS ms
//   sleep-between:MIN:MAX  wait a random whole number of ms in [MIN, MAX]
//   write:REL:CONTENT    write CONTENT to REL (relative to the cwd, i.e. the worktree)
//   append:ABS:TEXT      append TEXT and a newline to the file ABS (created when missing); `${NAME}`
//                        in TEXT becomes the env variable NAME (empty when unset), `${PID}` the pid,
//                        `${NOW}` the time in ms since the epoch
//   session:ID           write ID to $KUGETSU_SESSION_FILE (`${…}` expanded as for append)
//   grandchild:PIDFILE   spawn a child that sleeps forever, ignores SIGTERM and holds stdout/stderr
//                        open; it writes its pid to PIDFILE when ready (this action waits for it)
//   ignore-term          ignore SIGTERM from now on
//   stdin                copy stdin to stdout
//   exit:CODE            exit with CODE (default at the end: 0)
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const expand = (text) => text.replace(/\$\{(\w+)\}/g, (_m, name) => (name === 'PID' ? String(process.pid) : name === 'NOW' ? String(Date.now()) : (process.env[name] ?? '')));

async function main() {
  for (const arg of process.argv.slice(2)) {
    const i = arg.indexOf(':');
    const action = i < 0 ? arg : arg.slice(0, i);
    const value = i < 0 ? '' : arg.slice(i + 1);
    switch (action) {
      case 'argv':
        console.log(JSON.stringify(process.argv.slice(2)));
        break;
      case 'env':
        console.log(`${value}=${process.env[value] ?? ''}`);
        break;
      case 'print':
        console.log(value);
        break;
      case 'stderr':
        console.error(value);
        break;
      case 'lines':
        for (let n = 0; n < Number(value); n++) console.log(`line ${n}`);
        break;
      case 'sleep':
        await sleep(Number(value));
        break;
      case 'sleep-between': {
        const [min, max] = value.split(':').map(Number);
        await sleep(min + Math.floor(Math.random() * (max - min + 1)));
        break;
      }
      case 'write': {
        const j = value.indexOf(':');
        writeFileSync(value.slice(0, j), value.slice(j + 1));
        break;
      }
      case 'append': {
        const j = value.indexOf(':');
        appendFileSync(value.slice(0, j), `${expand(value.slice(j + 1))}\n`);
        break;
      }
      case 'session':
        writeFileSync(process.env.KUGETSU_SESSION_FILE, expand(value));
        break;
      case 'grandchild': {
        // The grandchild writes its pid once its SIGTERM handler is installed; wait for that.
        const code = "process.on('SIGTERM', () => {}); require('node:fs').writeFileSync(process.argv[1], String(process.pid)); setInterval(() => {}, 1e6)";
        const child = spawn(process.execPath, ['-e', code, value], { stdio: ['ignore', 'inherit', 'inherit'] });
        child.unref();
        while (!existsSync(value)) await sleep(10);
        break;
      }
      case 'ignore-term':
        process.on('SIGTERM', () => console.log('ignoring SIGTERM'));
        break;
      case 'stdin': {
        for await (const chunk of process.stdin) process.stdout.write(chunk);
        break;
      }
      case 'exit':
        // Not process.exit(): output to a pipe may still be pending and would be lost.
        process.exitCode = Number(value);
        return;
      // no default: other arguments are data
    }
  }
}

await main();
