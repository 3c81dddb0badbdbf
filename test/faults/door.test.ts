/**
 * Issue 11, scenarios 1 and 2, against a real `kugetsu serve` process on 127.0.0.1: the HTTP door
 * is cheap for strangers. Bodies over the limit are refused at once, uploads that stall are cut off
 * after the request timeout (seconds, not Node's 300 s) so their memory and sockets are freed, a
 * wrong signature never costs a parse, and genuine deliveries keep being answered meanwhile.
 */
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { giteaHeaders } from '../support/signed-request.js';
import { startServer, terminate, logTail, type ServerProcess } from './support/server-process.js';
import { agentCommand, commentDelivery, createWorld, SECRET, type FaultWorld } from './support/world.js';

let world: FaultWorld | undefined;
let server: ServerProcess | undefined;
const sockets: Socket[] = [];

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  if (server) await terminate(server, 15_000).catch(() => undefined);
  server = undefined;
  await world?.close();
  world = undefined;
});

/** The server's resident set size in MB (Linux `/proc/<pid>/status`). */
function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

/** Opens a raw connection and sends a POST's headers and `bodyBytes` bytes of body (of `declared`); resolves once written. */
function upload(
  port: number,
  declared: number,
  bodyBytes: number,
  headers: Record<string, string> = {},
): Promise<{ socket: Socket; answer: Promise<string>; closed: Promise<number> }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    sockets.push(socket);
    let received = '';
    const answer = new Promise<string>((res) => socket.on('data', (d) => res((received += d.toString('latin1')))));
    const closed = new Promise<number>((res) => socket.on('close', () => res(Date.now())));
    socket.on('error', () => undefined);
    socket.once('connect', () => {
      const head = [
        `POST /webhooks/gitea HTTP/1.1`,
        'Host: 127.0.0.1',
        'Content-Type: application/json',
        `Content-Length: ${declared}`,
        ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
        '',
        '',
      ].join('\r\n');
      socket.write(head);
      socket.write(Buffer.alloc(bodyBytes, 0x5b), () => resolve({ socket, answer, closed }));
    });
    socket.once('error', reject);
  });
}

async function start(w: FaultWorld): Promise<ServerProcess> {
  return startServer({
    env: {
      GITEA_URL: w.gitea.url,
      GITEA_TOKEN: w.fake.token,
      KUGETSU_WEBHOOK_SECRET: SECRET,
      KUGETSU_STATE_DIR: w.stateDir,
      KUGETSU_AGENT: 'command',
      KUGETSU_AGENT_COMMAND: JSON.stringify(agentCommand(w, 10)),
      KUGETSU_RECONCILE_INTERVAL_S: '0',
      KUGETSU_REQUEST_TIMEOUT_S: '2',
      KUGETSU_HEADERS_TIMEOUT_S: '2',
      KUGETSU_RATE_LIMIT_SENDER: '0',
      KUGETSU_MAX_QUEUED_PER_ISSUE: '100',
      HOME: w.tmp,
    },
    logFile: path.join(w.tmp, 'server.log'),
  });
}

async function genuine(w: FaultWorld, s: ServerProcess, n: number): Promise<{ status: number; ms: number }> {
  const spec = commentDelivery(w, 1 + (n % w.issues.length), `request ${n}`);
  const t = Date.now();
  const res = await fetch(`${s.url}/webhooks/gitea`, {
    method: 'POST',
    body: spec.body,
    headers: giteaHeaders(spec.body, 'issue_comment', { secret: SECRET }),
    signal: AbortSignal.timeout(5_000),
  });
  await res.text();
  return { status: res.status, ms: Date.now() - t };
}

describe('the door', () => {
  it('bodies declared over 1 MiB are refused at once; 150 stalled uploads are cut off after the request timeout; memory stays bounded', async () => {
    const w = (world = await createWorld({ issues: 3, prefix: 'kugetsu-door-' }));
    const s = (server = await start(w));
    const baseline = rssMb(s.pid);
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, rssMb(s.pid))), 100);
    try {
      // 50 uploads that say they are 5 MB: 413 without reading them.
      const big = await Promise.all(Array.from({ length: 50 }, () => upload(s.port, 5_000_000, 64 * 1024)));
      const answers = await Promise.all(big.map((b) => b.answer));
      expect(answers.every((a) => a.startsWith('HTTP/1.1 413'))).toBe(true);

      // 150 uploads of 900 KB (under the limit) that stop after 800 KB.
      const t0 = Date.now();
      const stalled = await Promise.all(Array.from({ length: 150 }, () => upload(s.port, 900_000, 800_000)));
      const closedAt = await Promise.all(stalled.map((u) => u.closed));
      // Every one was closed by the server, within the 2 s request timeout plus Node's 1 s check and slack.
      expect(Math.max(...closedAt) - t0).toBeLessThan(8_000);
      // While they were held, genuine deliveries were still answered.
      expect((await genuine(w, s, 0)).status).toBe(202);
    } finally {
      clearInterval(sampler);
    }
    // 150 × 800 KB held at once is 120 MB; a 5 MB limit with Node's 300 s timeout held 865 MB.
    expect(peak - baseline, logTail(s.logFile)).toBeLessThan(400);
  }, 60_000);

  it("wrong-signature garbage (deep arrays, a flood of it) never delays genuine deliveries past Gitea's 5 s timeout", async () => {
    const w = (world = await createWorld({ issues: 3, prefix: 'kugetsu-door-' }));
    const s = (server = await start(w));
    // 900 KB of nesting that JSON.parse would choke on, signed with a wrong secret.
    const garbage = `{"repository":${'['.repeat(450_000)}${']'.repeat(450_000)}}`;
    const badSig = createHmac('sha256', 'not-the-secret').update(garbage).digest('hex');
    let stop = false;
    let refused = 0;
    const flood = Array.from({ length: 12 }, async () => {
      for (let i = 0; i < 20 && !stop; i++) {
        const res = await fetch(`${s.url}/webhooks/gitea`, {
          method: 'POST',
          body: garbage,
          headers: { 'content-type': 'application/json', 'x-gitea-event-type': 'issue_comment', 'x-gitea-signature': badSig },
        }).catch(() => undefined);
        if (res?.status === 401) refused++;
        await res?.text().catch(() => undefined);
      }
    });
    const answers: Array<{ status: number; ms: number }> = [];
    for (let n = 0; n < 20; n++) answers.push(await genuine(w, s, n));
    stop = true;
    await Promise.all(flood);
    expect(refused).toBeGreaterThan(0);
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 202));
    expect(Math.max(...answers.map((a) => a.ms))).toBeLessThan(5_000);
  }, 90_000);
});
