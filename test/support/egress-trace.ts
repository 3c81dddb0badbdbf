import { chmodSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** strace(1) from Debian's `strace` package (6.1 on these machines). */
export const STRACE = '/usr/bin/strace';

/** The directory under the agent's `HOME` where {@link writeTracingWrapper}'s wrapper leaves its files. */
export const TRACE_DIR_NAME = 'egress-trace';

/**
 * Writes an executable `/bin/sh` script at `file` that stands in for an agent binary: it dumps its
 * environment (`env`, the agent's own) to `$HOME/egress-trace/<id>.env`, then execs
 * `strace -f -qq -v -s 4096 -e trace=connect,bind,sendto,sendmsg,sendmmsg,execve -o
 * $HOME/egress-trace/<id>.strace <program> "$@"`: every process of the agent's tree is followed
 * (`-f`), with the socket address of every connect/bind/send and the full argv and environment of
 * every execve (`-v`). In kugetsu's bubblewrap sandbox `HOME` is `<agent dir>/home`, the one
 * directory besides the worktree the agent may write; ptrace works inside the sandbox (the tracer
 * and its tracees share its user namespace). `program` must be visible in the sandbox (e.g. its
 * `node_modules` in `KUGETSU_AGENT_SANDBOX_RO_PATHS`). Returns `file`.
 */
export function writeTracingWrapper(file: string, program: string): string {
  const quoted = `'${program.replace(/'/g, `'\\''`)}'`;
  writeFileSync(
    file,
    [
      '#!/bin/sh',
      '# kugetsu egress test: record every connect() and execve() of the agent process tree.',
      'set -e',
      `out="$HOME/${TRACE_DIR_NAME}"`,
      'mkdir -p "$out"',
      'id=$(mktemp -u XXXXXXXXXX)',
      'env > "$out/$id.env"',
      `exec ${STRACE} --seccomp-bpf -f -qq -v -s 4096 -e trace=connect,bind,sendto,sendmsg,sendmmsg,execve -o "$out/$id.strace" ${quoted} "$@"`,
      '',
    ].join('\n'),
  );
  chmodSync(file, 0o755);
  return file;
}

/** One socket address in a traced syscall. */
export interface TracedAddress {
  /** `connect`, `bind`, `sendto`, `sendmsg`, `sendmmsg` (or `resumed` for a line strace split). */
  syscall: string;
  family: 'AF_INET' | 'AF_INET6';
  address: string;
  port: number;
}

/** What the wrappers of {@link writeTracingWrapper} recorded under a directory tree. */
export interface EgressRecord {
  /** How many agent processes were traced (one `.strace` file each). */
  traces: number;
  /** Every environment dump (`env` output), one per traced agent process. */
  envDumps: string[];
  /** All strace output, concatenated. */
  straceText: string;
  /** Every IPv4/IPv6 address in a connect, bind or send, in order. */
  inet: TracedAddress[];
  /** Every address family seen in a traced syscall (`AF_UNIX`, `AF_INET`, `AF_NETLINK`…). */
  families: string[];
}

const INET4 = /sa_family=AF_INET, sin_port=htons\((\d+)\), sin_addr=inet_addr\("([^"]*)"\)/g;
const INET6 = /sa_family=AF_INET6, sin6_port=htons\((\d+)\), [^}]*?inet_pton\(AF_INET6, "([^"]*)"/g;

/** Reads every `egress-trace` directory under `root` (recursively) and parses what strace wrote. */
export function readEgressRecord(root: string): EgressRecord {
  const dirs: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const full = path.join(dir, entry.name);
      if (entry.name === TRACE_DIR_NAME) dirs.push(full);
      else walk(full);
    }
  };
  walk(root);
  const record: EgressRecord = { traces: 0, envDumps: [], straceText: '', inet: [], families: [] };
  const families = new Set<string>();
  for (const dir of dirs) {
    for (const name of readdirSync(dir).sort()) {
      const text = readFileSync(path.join(dir, name), 'utf8');
      if (name.endsWith('.env')) record.envDumps.push(text);
      if (!name.endsWith('.strace')) continue;
      record.traces++;
      record.straceText += text;
      for (const line of text.split('\n')) {
        const syscall = /^\d+\s+(?:<\.\.\. )?(\w+)/.exec(line)?.[1] ?? '?';
        for (const m of line.matchAll(/sa_family=(AF_\w+)/g)) families.add(m[1]!);
        for (const m of line.matchAll(INET4)) record.inet.push({ syscall, family: 'AF_INET', address: m[2]!, port: Number(m[1]) });
        for (const m of line.matchAll(INET6)) record.inet.push({ syscall, family: 'AF_INET6', address: m[2]!, port: Number(m[1]) });
      }
    }
  }
  record.families = [...families].sort();
  return record;
}

/** True for an IPv4 loopback address (127.0.0.0/8), `::1` or an IPv4-mapped loopback (`::ffff:127.…`). */
export function isLoopback(address: string): boolean {
  return /^127\./.test(address) || address === '::1' || /^::ffff:127\./i.test(address);
}
