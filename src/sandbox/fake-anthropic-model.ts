import { createServer, type ServerResponse } from 'node:http';
import {
  DEFAULT_SCRIPTED_USAGE,
  listenLoopback,
  readRequestBody,
  scriptChooser,
  type ScriptedContext,
  type ScriptedModel,
  type ScriptedModelOptions,
  type ScriptedRecord,
  type ScriptedReply,
  type ScriptedUsage,
} from './fake-model-common.js';

/**
 * A scripted fake of the Anthropic Messages API, for running the real Claude Code CLI offline
 * (tests, demo). Wire facts from `docs/agents-offline.md` (Claude Code 2.1.332): requests are
 * `POST /v1/messages?beta=true` with `stream: true`, the working directory is stated as
 * `Primary working directory: <path>` in a system-role entry of `messages` (the last one
 * counts: a resumed session repeats the older ones) or in `system`; tools are `Write {file_path (absolute), content}`, `Edit`, `Bash {command}`, `Read`…
 * Answers are SSE `message_start` (with `usage`), `content_block_start`/`_delta`/`_stop`,
 * `message_delta` (`stop_reason`, `usage`), `message_stop` — the event names and shapes of
 * Anthropic's streaming documentation (https://docs.anthropic.com/en/api/messages-streaming).
 * A request without tools (a title or a summary) is answered with plain text and recorded as `aux`.
 */

type Block = { type: string; text?: string; content?: unknown };
type Message = { role: string; content?: string | Block[] };

// A resumed session in another directory says `Primary working directory: /new (was /old)`.
const WORKDIR = /(?:Primary working directory|Working directory):\s*(\S[^\n]*?)(?:\s+\(was [^\n]*\))?\s*$/m;

function textsOf(content: Message['content']): { texts: string[]; toolResults: number } {
  if (typeof content === 'string') return { texts: [content], toolResults: 0 };
  const blocks = Array.isArray(content) ? content : [];
  return {
    texts: blocks.filter((b) => b.type === 'text' && typeof b.text === 'string').map((b) => b.text!),
    toolResults: blocks.filter((b) => b.type === 'tool_result').length,
  };
}

/** Claude Code adds `<system-reminder>` text blocks to user turns: they are not the user's words. */
function realTexts(texts: string[]): string[] {
  return texts.filter((t) => !t.trimStart().startsWith('<system-reminder>'));
}

function contextOf(body: Record<string, unknown>): ScriptedContext {
  const messages = Array.isArray(body.messages) ? (body.messages as Message[]) : [];
  const system = typeof body.system === 'string' ? body.system : Array.isArray(body.system) ? (body.system as Block[]).map((b) => b.text ?? '').join('\n') : '';
  // The last statement wins: a resumed session carries the older turns' statements too.
  let workdir: string | undefined;
  const userTexts: string[] = [];
  let step = 0;
  for (const m of messages) {
    const { texts, toolResults } = textsOf(m.content);
    workdir =
      texts
        .map((t) => WORKDIR.exec(t)?.[1])
        .filter((w) => w !== undefined)
        .at(-1) ?? workdir;
    if (m.role !== 'user') continue;
    const real = realTexts(texts);
    if (toolResults > 0) step += toolResults;
    else if (real.length > 0) {
      userTexts.push(real.join('\n'));
      step = 0;
    }
  }
  workdir ??= WORKDIR.exec(system)?.[1];
  return { workdir, step, userText: userTexts.at(-1) ?? '', userTexts, body };
}

function sse(res: ServerResponse, event: string, data: Record<string, unknown>): void {
  res.write(`event: ${event}\ndata: ${JSON.stringify({ type: event, ...data })}\n\n`);
}

function wireUsage(u: ScriptedUsage): Record<string, number> {
  return { input_tokens: u.inputTokens, output_tokens: u.outputTokens, cache_read_input_tokens: u.cacheReadTokens, cache_creation_input_tokens: u.cacheWriteTokens };
}

function sendAnswer(
  res: ServerResponse,
  reply: { text: string } | { tool: string; args: Record<string, unknown> },
  n: number,
  model: string,
  usage: ScriptedUsage,
  stream: boolean,
): void {
  const id = `msg_fake_${n}`;
  const block = 'text' in reply ? { type: 'text', text: reply.text } : { type: 'tool_use', id: `toolu_fake_${n}`, name: reply.tool, input: reply.args };
  const stopReason = 'text' in reply ? 'end_turn' : 'tool_use';
  if (!stream) {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ id, type: 'message', role: 'assistant', model, content: [block], stop_reason: stopReason, stop_sequence: null, usage: wireUsage(usage) }));
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  sse(res, 'message_start', {
    message: { id, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { ...wireUsage(usage), output_tokens: 1 } },
  });
  if ('text' in reply) {
    sse(res, 'content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
    sse(res, 'content_block_delta', { index: 0, delta: { type: 'text_delta', text: reply.text } });
  } else {
    const json = JSON.stringify(reply.args);
    const half = Math.floor(json.length / 2);
    sse(res, 'content_block_start', { index: 0, content_block: { type: 'tool_use', id: `toolu_fake_${n}`, name: reply.tool, input: {} } });
    sse(res, 'content_block_delta', { index: 0, delta: { type: 'input_json_delta', partial_json: json.slice(0, half) } });
    sse(res, 'content_block_delta', { index: 0, delta: { type: 'input_json_delta', partial_json: json.slice(half) } });
  }
  sse(res, 'content_block_stop', { index: 0 });
  sse(res, 'message_delta', { delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: usage.outputTokens } });
  sse(res, 'message_stop', {});
  res.end();
}

/**
 * Starts the fake on 127.0.0.1 (ephemeral port). `url` is the value for `ANTHROPIC_BASE_URL`.
 * Routes: `POST /v1/messages` (any query) — everything else is a 404 in Anthropic's error shape.
 * Turn requests go to the script routed by working directory, else the default script.
 */
export async function startFakeAnthropicModel(options: ScriptedModelOptions = {}): Promise<ScriptedModel> {
  const chooser = scriptChooser(options);
  const usage = options.usage ?? DEFAULT_SCRIPTED_USAGE;
  const requests: ScriptedRecord[] = [];
  const error = (res: ServerResponse, status: number, message: string): void => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ type: 'error', error: { type: status === 404 ? 'not_found_error' : 'invalid_request_error', message } }));
  };
  const server = createServer((req, res) => {
    void (async () => {
      const pathname = (req.url ?? '').split('?')[0];
      if (req.method !== 'POST' || pathname !== '/v1/messages') return error(res, 404, `fake model: no route ${req.method} ${req.url}`);
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(await readRequestBody(req)) as Record<string, unknown>;
      } catch {
        return error(res, 400, 'fake model: body is not JSON');
      }
      const ctx = contextOf(body);
      const aux = !Array.isArray(body.tools) || body.tools.length === 0;
      const reply: ScriptedReply = aux ? { text: 'kugetsu turn' } : chooser.choose(ctx);
      requests.push({ ...ctx, kind: aux ? 'aux' : 'turn', reply, headers: { ...req.headers } });
      if ('httpError' in reply) return error(res, reply.httpError.status, reply.httpError.message);
      if ('stall' in reply) {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.flushHeaders();
        return;
      }
      sendAnswer(res, reply, requests.length, typeof body.model === 'string' ? body.model : 'claude-fake', usage, body.stream === true);
    })().catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500);
      res.end(String(err));
    });
  });
  const { port, close } = await listenLoopback(server);
  return { url: `http://127.0.0.1:${port}`, requests, route: chooser.route, close };
}
