import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request a {@link NotifyReceiver} got, and what it answered. */
export interface ReceivedNotification {
  path: string;
  headers: http.IncomingHttpHeaders;
  /** The raw body as sent. */
  raw: string;
  /** The body parsed as JSON (undefined when it is not JSON). */
  json: { event: string; delivery: string; job: Record<string, unknown> } | undefined;
  /** True when `X-Kugetsu-Signature` is the hex HMAC-SHA256 of `raw` with the receiver's key (constant-time). */
  verified: boolean;
  /** What it answered (0 while the answer is held). */
  status: number;
}

/** A receiver of kugetsu's notifications: a real HTTP server on 127.0.0.1 that checks signatures as a user would. */
export interface NotifyReceiver {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  readonly received: ReceivedNotification[];
  /** Decides each answer (default 200); may set headers. */
  answer: (req: { path: string; n: number }) => { status: number; headers?: Record<string, string> };
  /** While set, every answer waits for it (the request is recorded at once, with `status` 0 until answered). */
  hold: Promise<void> | undefined;
  close(): Promise<void>;
}

/** Starts a receiver that verifies `X-Kugetsu-Signature` with `key` (no key: `verified` is always false). */
export async function startNotifyReceiver(key?: string): Promise<NotifyReceiver> {
  const received: ReceivedNotification[] = [];
  const receiver: NotifyReceiver = {
    url: '',
    received,
    answer: () => ({ status: 200 }),
    hold: undefined,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let json: ReceivedNotification['json'];
      try {
        json = JSON.parse(raw) as ReceivedNotification['json'];
      } catch {
        json = undefined;
      }
      const given = String(req.headers['x-kugetsu-signature'] ?? '');
      const expected = key ? createHmac('sha256', key).update(raw).digest('hex') : '';
      const verified = key !== undefined && given.length === expected.length && timingSafeEqual(Buffer.from(given), Buffer.from(expected));
      const path = req.url ?? '';
      const { status, headers = {} } = receiver.answer({ path, n: received.length + 1 });
      const entry: ReceivedNotification = { path, headers: req.headers, raw, json, verified, status: 0 };
      received.push(entry);
      if (receiver.hold) await receiver.hold;
      entry.status = status;
      res.writeHead(status, { 'content-type': 'text/plain', ...headers });
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  (receiver as { url: string }).url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return receiver;
}
