import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { realpathSync } from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';

/**
 * A scripted fake of an OpenAI-compatible chat model, for tests and the demo: just enough of
 * `POST /v1/chat/completions` (always answered as SSE) for the real `opencode` binary to run a turn
 * offline. Wire facts follow opencode 1.18.33 with `@ai-sdk/openai-compatible` (see
 * `docs/opencode-offline.md`): every request is `stream: true`; turn requests carry `tools`, title
 * requests do not; the system prompt has a line `Working directory: <path>`; a reply must always end
 * with a `finish_reason`, a tool call needs an `id`.
 */

/** One chat message as the OpenAI chat-completions API sends it (only the fields we read). */
export interface FakeChatMessage {
  role: 'system' | 'user' | 'assistant' | 'tool' | string;
  content?: string | Array<{ type: string; text?: string }> | null;
  tool_calls?: Array<{ id: string; function: { name: string; arguments: string } }>;
  tool_call_id?: string;
}

/** What the fake model answers to one request. */
export type FakeReply =
  /** Plain assistant text; ends the turn (`finish_reason: "stop"`). */
  | { text: string }
  /** One tool call (`write {filePath, content}`, `edit {filePath, oldString, newString}`, `bash {command, description}` …). */
  | { tool: string; args: Record<string, unknown> }
  /** An HTTP error instead of a completion (400 makes opencode fail fast; 5xx/429 make it retry ≈ 70 s). */
  | { httpError: { status: number; message: string } }
  /** Response headers, then nothing ever again (a model that stalls): only a timeout, a cancel or {@link FakeModel.close} ends it. */
  | { stall: true };

/** What a script sees of one turn request. */
export interface FakeRequestContext {
  /** The `Working directory:` of the system prompt, or `undefined` when absent. */
  workdir: string | undefined;
  /** How many tool calls the assistant already made since the last user message (0 on a turn's first request). */
  step: number;
  /** Text of the last user message (parts joined by newlines). */
  userText: string;
  /** All messages of the request, history included. */
  messages: FakeChatMessage[];
}

/** Chooses the reply to one turn request. Must be pure enough to be called again on a retry. */
export type FakeScript = (ctx: FakeRequestContext) => FakeReply;

/** One request the fake model received, kept for assertions. */
export interface FakeRecordedRequest {
  /** `"title"` for a request without tools, `"turn"` otherwise. */
  kind: 'title' | 'turn';
  workdir: string | undefined;
  step: number;
  /** Text of the last user message. */
  userText: string;
  messages: FakeChatMessage[];
  /** The whole parsed JSON body. */
  body: Record<string, unknown>;
  /** Request headers (lowercase names), e.g. to check what credentials the agent sent. */
  headers: Record<string, string | string[] | undefined>;
  /** What was answered. */
  reply: FakeReply;
  /** When the request arrived (`Date.now()`, ms), e.g. to measure how long a turn took to reach the model. */
  at: number;
}

/** Options of {@link startFakeModel}. */
export interface FakeModelOptions {
  /** Script for turn requests whose working directory has no route. Default: always `{text: "done"}`. */
  script?: FakeScript;
  /** Scripts by working directory (absolute paths; symlinks resolved on both sides). */
  routes?: Record<string, FakeScript>;
  /** Answer to title requests. Default `"kugetsu turn"`. */
  titleText?: string;
  /**
   * Bound on tool calls within one turn: from this step on, the answer is text whatever the script
   * says, so that a wrong script can never loop forever. Default 20.
   */
  maxSteps?: number;
  /** Called with each request as it is recorded (before it is answered). Must not throw (a throw is ignored). */
  onRequest?: (request: FakeRecordedRequest) => void;
}

/** A running fake model. */
export interface FakeModel {
  /** Base URL for the provider's `baseURL`, e.g. `http://127.0.0.1:41234/v1`. */
  url: string;
  /** Every request received, in order (mutated as requests arrive). */
  requests: FakeRecordedRequest[];
  /** Adds or replaces the script for one working directory. */
  route(workdir: string, script: FakeScript): void;
  /** Stops the server (open connections are closed). */
  close(): Promise<void>;
}

/**
 * A turn script: step `i` answers `steps[i]`, then `finalText` once all steps are used
 * (e.g. `turnScript([{tool: 'write', args: {filePath: 'a.txt', content: 'x'}}], 'wrote a.txt')`).
 */
export function turnScript(steps: FakeReply[], finalText = 'done'): FakeScript {
  return ({ step }) => steps[step] ?? { text: finalText };
}

function canonical(dir: string): string {
  const abs = path.resolve(dir);
  try {
    return realpathSync(abs);
  } catch {
    return abs;
  }
}

function textOf(content: FakeChatMessage['content']): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((p) => p.text ?? '').join('\n');
  return '';
}

function contextOf(messages: FakeChatMessage[]): Omit<FakeRequestContext, 'messages'> {
  let workdir: string | undefined;
  for (const m of messages) {
    if (m.role !== 'system') continue;
    const match = /^\s*Working directory:\s*(.+?)\s*$/m.exec(textOf(m.content));
    if (match) {
      workdir = match[1];
      break;
    }
  }
  let lastUser = -1;
  messages.forEach((m, i) => {
    if (m.role === 'user') lastUser = i;
  });
  const step = messages.slice(lastUser + 1).filter((m) => m.role === 'assistant' && (m.tool_calls?.length ?? 0) > 0).length;
  const userText = lastUser >= 0 ? textOf(messages[lastUser]!.content) : '';
  return { workdir, step, userText };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function sendSse(res: ServerResponse, reply: { text: string } | { tool: string; args: Record<string, unknown> }, n: number): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  const base = { id: `chatcmpl-fake-${n}`, object: 'chat.completion.chunk', created: Math.floor(Date.now() / 1000), model: 'scripted' };
  const send = (choice: Record<string, unknown>, extra: Record<string, unknown> = {}): void => {
    res.write(`data: ${JSON.stringify({ ...base, choices: [{ index: 0, ...choice }], ...extra })}\n\n`);
  };
  if ('text' in reply) {
    send({ delta: { role: 'assistant', content: reply.text } });
    send({ delta: {}, finish_reason: 'stop' });
  } else {
    const args = JSON.stringify(reply.args);
    const half = Math.floor(args.length / 2);
    send({ delta: { role: 'assistant', tool_calls: [{ index: 0, id: `call_${n}`, type: 'function', function: { name: reply.tool, arguments: args.slice(0, half) } }] } });
    send({ delta: { tool_calls: [{ index: 0, function: { arguments: args.slice(half) } }] } });
    send({ delta: {}, finish_reason: 'tool_calls' });
  }
  res.write(`data: ${JSON.stringify({ ...base, choices: [], usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 } })}\n\n`);
  res.end('data: [DONE]\n\n');
}

/**
 * Starts the fake model on `127.0.0.1` with an ephemeral port. Routes: `POST /v1/chat/completions`
 * only (anything else → 404). Title requests (no `tools`) get {@link FakeModelOptions.titleText};
 * turn requests go to the script routed by working directory, else the default script.
 */
export async function startFakeModel(options: FakeModelOptions = {}): Promise<FakeModel> {
  const routes = new Map<string, FakeScript>();
  for (const [dir, script] of Object.entries(options.routes ?? {})) routes.set(canonical(dir), script);
  const fallback: FakeScript = options.script ?? (() => ({ text: 'done' }));
  const maxSteps = options.maxSteps ?? 20;
  const requests: FakeRecordedRequest[] = [];

  const server = createServer((req, res) => {
    void (async () => {
      if (req.method !== 'POST' || !req.url?.startsWith('/v1/chat/completions')) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: `fake model: no route ${req.method} ${req.url}` } }));
        return;
      }
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(await readBody(req)) as Record<string, unknown>;
      } catch {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: 'fake model: body is not JSON', type: 'invalid_request_error' } }));
        return;
      }
      const messages = Array.isArray(body.messages) ? (body.messages as FakeChatMessage[]) : [];
      const ctx = contextOf(messages);
      const isTitle = !Array.isArray(body.tools) || body.tools.length === 0;
      let reply: FakeReply;
      if (isTitle) {
        reply = { text: options.titleText ?? 'kugetsu turn' };
      } else if (ctx.step >= maxSteps) {
        reply = { text: `fake model: stopped after ${maxSteps} steps` };
      } else {
        const script = (ctx.workdir !== undefined ? routes.get(canonical(ctx.workdir)) : undefined) ?? fallback;
        try {
          reply = script({ ...ctx, messages });
        } catch (err) {
          reply = { httpError: { status: 400, message: `fake model script failed: ${String(err)}` } };
        }
      }
      const record: FakeRecordedRequest = { kind: isTitle ? 'title' : 'turn', ...ctx, messages, body, headers: { ...req.headers }, reply, at: Date.now() };
      requests.push(record);
      try {
        options.onRequest?.(record);
      } catch {
        // The listener's failure is its own.
      }
      if ('httpError' in reply) {
        res.writeHead(reply.httpError.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: reply.httpError.message, type: 'invalid_request_error' } }));
        return;
      }
      if ('stall' in reply) {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        res.flushHeaders();
        return;
      }
      sendSse(res, reply, requests.length);
    })().catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500);
      res.end(String(err));
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    route(workdir, script) {
      routes.set(canonical(workdir), script);
    },
    close() {
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
