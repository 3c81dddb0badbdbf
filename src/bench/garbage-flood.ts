import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import path from 'node:path';
import { signBody } from '../ingress/verify-signature.js';
import { createLocalOrigin } from '../sandbox/local-origin.js';
import { startChild } from './child.js';
import { commandDeliveries, deliveryHeaders, type CommandSet } from './deliveries.js';
import { startQueueingKugetsu } from './queueing-kugetsu.js';
import { quantile } from './stats.js';
import type { GiteaInfo } from './target-gitea.js';

/** Latencies of genuine deliveries, in ms. */
export interface LatencySummary {
  n: number;
  p50: number;
  p99: number;
  max: number;
  /** Answers other than 202. */
  non202: number;
}

/** What {@link measureGarbageFlood} found. */
export interface GarbageFloodResult {
  /** Genuine deliveries alone. */
  quiet: LatencySummary;
  /** The same while the flood runs. */
  flooded: LatencySummary;
  /** Wrong-signature 5 MB bodies sent, and how many the door refused (413/401). */
  garbageSent: number;
  garbageRefused: number;
  /** Stalled uploads opened in all (each is cut off by the server's request timeout and reopened). */
  stalledOpened: number;
  /** Stalled uploads the server closed during the run. */
  stalledCut: number;
}

/**
 * Issue 11's door row: the p99 of genuine signed `/kugetsu` deliveries (each a new delegation,
 * confirmed with the fake Gitea, queued behind a sleeping agent), first alone, then while 12
 * connections keep sending 5 MB bodies with a wrong signature and 150 connections keep an upload
 * stalled (900 KB declared, 800 KB sent; reopened whenever the server cuts one off). Goal: p99
 * under 1 s. kugetsu runs with its default door settings (1 MiB bodies, 10 s request timeout).
 */
export async function measureGarbageFlood(options: { tmp: string; genuine: number; log: (line: string) => void }): Promise<GarbageFloodResult> {
  const { tmp, log } = options;
  mkdirSync(tmp, { recursive: true });
  const origin = createLocalOrigin(tmp);
  const commands: CommandSet = { idBase: 40_000_000, issues: 50 };
  const gitea = await startChild<GiteaInfo>('target-gitea', { origin, issues: commands.issues, commands: [commands] });
  const secret = randomBytes(16).toString('hex');
  const kugetsu = await startQueueingKugetsu({ stateDir: path.join(tmp, 'state'), gitea: gitea.info, secret });
  const url = new URL(kugetsu.info.url);
  const port = Number(url.port);
  const make = commandDeliveries(gitea.info.repo, gitea.info.alice, commands);
  let n = 0;
  const genuine = async (count: number): Promise<LatencySummary> => {
    const times: number[] = [];
    let non202 = 0;
    for (let i = 0; i < count; i++) {
      const d = make(n++);
      const t = performance.now();
      const res = await fetch(`${kugetsu.info.url}/webhooks/gitea`, { method: 'POST', body: d.body, headers: deliveryHeaders(d, secret, `flood-${n}`) });
      await res.text();
      times.push(performance.now() - t);
      if (res.status !== 202) non202++;
    }
    return { n: times.length, p50: quantile(times, 0.5), p99: quantile(times, 0.99), max: Math.max(...times), non202 };
  };

  let running = true;
  const sockets = new Set<Socket>();
  let stalledOpened = 0;
  let stalledCut = 0;
  const stall = () => {
    if (!running) return;
    stalledOpened++;
    const socket = connect(port, '127.0.0.1');
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => {
      sockets.delete(socket);
      if (running) {
        stalledCut++;
        setTimeout(stall, 10);
      }
    });
    socket.on('connect', () => {
      socket.write(
        `POST /webhooks/gitea HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 900000\r\nX-Gitea-Event-Type: issue_comment\r\nX-Gitea-Signature: ${'0'.repeat(64)}\r\n\r\n`,
      );
      socket.write(Buffer.alloc(800_000, 0x5b));
    });
  };
  const garbage = Buffer.from(`{"repository":${'['.repeat(2_500_000)}${']'.repeat(2_500_000)}}`);
  const wrong = signBody(garbage, 'not-the-secret');
  const quietSockets = new WeakSet<Socket>();
  let garbageSent = 0;
  let garbageRefused = 0;
  const flooder = async () => {
    while (running) {
      garbageSent++;
      const status = await new Promise<number>((resolve) => {
        const req = request(
          {
            host: '127.0.0.1',
            port,
            path: '/webhooks/gitea',
            method: 'POST',
            headers: { 'content-type': 'application/json', 'content-length': garbage.byteLength, 'x-gitea-event-type': 'issue_comment', 'x-gitea-signature': wrong },
          },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          },
        );
        req.on('error', () => resolve(0));
        // The server answers 401/413 before the 5 MB body is written and closes: the rest of the
        // write fails with EPIPE on the socket after the request has let go of it. Once per socket:
        // the agent reuses a socket the server kept open, and a listener per request would pile up.
        req.on('socket', (socket) => {
          if (!quietSockets.has(socket)) quietSockets.add(socket.on('error', () => undefined));
        });
        req.end(garbage);
      });
      if (status === 413 || status === 401) garbageRefused++;
    }
  };

  try {
    const quiet = await genuine(Math.min(50, options.genuine));
    for (let i = 0; i < 150; i++) stall();
    const flooders = Array.from({ length: 12 }, flooder);
    await new Promise((resolve) => setTimeout(resolve, 1_000)); // let the flood build up
    const flooded = await genuine(options.genuine);
    running = false;
    for (const s of sockets) s.destroy();
    await Promise.all(flooders);
    const result: GarbageFloodResult = { quiet, flooded, garbageSent, garbageRefused, stalledOpened, stalledCut };
    log(
      `garbage flood: genuine p99 ${flooded.p99.toFixed(0)} ms (quiet ${quiet.p99.toFixed(0)} ms), ${flooded.non202} non-202; ${garbageRefused}/${garbageSent} garbage bodies refused, ${stalledCut} of ${stalledOpened} stalled uploads cut off`,
    );
    return result;
  } finally {
    running = false;
    for (const s of sockets) s.destroy();
    await kugetsu.stop(60_000, { fast: true });
    await gitea.stop();
  }
}
