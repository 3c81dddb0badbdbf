#!/usr/bin/env node
// Completes package-lock.json with the other-platform optional packages that npm left out.
//
// Why: when npm builds the lock it fetches the manifest of every optional dependency. The registry
// reachable from kugetsu's machines lacks some of them (opencode-ai's darwin/windows/arm64/musl
// builds), so npm silently drops them from the lock, and `npm ci` then refuses the lock as out of
// sync ("Missing: opencode-darwin-arm64@ from lock file"). A lock entry with the package's `os`,
// `cpu` (and `libc` for musl builds) is enough: npm ci checks the lock against package.json, then
// skips the entries that do not match this platform without fetching them.
//
// Usage, after any `npm install` that changed the lock:  node scripts/lock-platform-packages.mjs
// (it prints what it added; run `npm ci` afterwards to check). Exits 1 when a missing optional
// dependency is not a platform package it can describe (the lock then needs a human).
import { readFileSync, writeFileSync } from 'node:fs';

const LOCK = new URL('../package-lock.json', import.meta.url);
const OS = { darwin: 'darwin', linux: 'linux', windows: 'win32', win32: 'win32', android: 'android', freebsd: 'freebsd', openbsd: 'openbsd', sunos: 'sunos', aix: 'aix' };
const CPU = ['x64', 'arm64', 'ia32', 'arm', 'ppc64', 's390x', 'riscv64', 'loong64'];

/** `os`/`cpu`/`libc` of a platform package named like `opencode-linux-x64-baseline-musl`, or undefined. */
function platformOf(name) {
  const words = name.replace(/^@[^/]+\//, '').split('-');
  const os = words.map((w) => OS[w]).find(Boolean);
  const cpu = words.find((w) => CPU.includes(w));
  if (!os || !cpu) return undefined;
  return { os: [os], cpu: [cpu], ...(words.includes('musl') ? { libc: ['musl'] } : {}) };
}

/** The lock key npm would resolve `name` to from the package at `from` (walking up the node_modules folders). */
function resolve(packages, from, name) {
  for (let dir = from; ; dir = dir.slice(0, Math.max(0, dir.lastIndexOf('/node_modules/')))) {
    const key = dir ? `${dir}/node_modules/${name}` : `node_modules/${name}`;
    if (packages[key]) return key;
    if (!dir) return undefined;
  }
}

const lock = JSON.parse(readFileSync(LOCK, 'utf8'));
const added = [];
let failed = false;
for (const [key, entry] of Object.entries(lock.packages)) {
  for (const [name, spec] of Object.entries(entry.optionalDependencies ?? {})) {
    if (resolve(lock.packages, key, name)) continue;
    const platform = platformOf(name);
    if (!platform || !/^\d+\.\d+\.\d+(-[\w.]+)?$/.test(spec)) {
      console.error(`${key}: optional dependency ${name}@${spec} is missing and is not a pinned platform package`);
      failed = true;
      continue;
    }
    const at = key ? `${key}/node_modules/${name}` : `node_modules/${name}`;
    // Top-level placement when nothing else of that name is there (what npm's hoisting does).
    const target = lock.packages[`node_modules/${name}`] ? at : `node_modules/${name}`;
    lock.packages[target] = { version: spec, ...(entry.dev ? { dev: true } : {}), optional: true, ...platform };
    added.push(`${target}@${spec} (${platform.os}-${platform.cpu}${platform.libc ? '-musl' : ''})`);
  }
}
if (added.length > 0) {
  lock.packages = Object.fromEntries(Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b, 'en'))));
  writeFileSync(LOCK, `${JSON.stringify(lock, null, 2)}\n`);
}
console.log(added.length > 0 ? `added to package-lock.json:\n  ${added.join('\n  ')}` : 'package-lock.json already lists every optional platform package');
process.exit(failed ? 1 : 0);
