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
 * A scripted fake of the OpenAI Responses API, for running the real Codex CLI offline (tests,
 * demo). Wire facts from `docs/agents-offline.md` (Codex 0.169.0): `POST /v1/responses` with
 * `stream: true`; `input` holds the conversation — `message` items (role `user`/`developer`/
 * `assistant`, `content` parts `input_text`/`output_text`), `function_call` / `custom_tool_call`
 * items and their `*_output` items; the working directory is in `<environment_context><cwd>…</cwd>` (the last one counts).
 * Tools: `exec_command {cmd}` (and `apply_patch` for known model slugs). Answers are SSE
 * `response.created`, `response.output_item.added`, `response.output_item.done`, then
 * `response.completed` with `usage` (`input_tokens`, `input_tokens_details.cached_tokens`,
 * `output_tokens`) — names from OpenAI's Responses streaming reference. `url` is the provider's
 * `base_url` (ends in `/v1`).
 */

type Part = { type?: string; text?: string };
type Item = { type?: string; role?: string; content?: string | Part[] };

const CWD = /<cwd>([^<]+)<\/cwd>/;

function textOf(content: Item['content']): string {
  if (typeof content === 'string') return content;
  return (Array.isArray(content) ? content : []).map((p) => p.text ?? '').join('\n');
}

function contextOf(body: Record<string, unknown>): ScriptedContext {
  const input = Array.isArray(body.input) ? (body.input as Item[]) : [];
  let workdir: string | undefined;
  const userTexts: string[] = [];
  let step = 0;
  for (const item of input) {
    const text = item.type === 'message' || item.role !== undefined ? textOf(item.content) : '';
    // The last statement wins: a resumed thread carries the older turns' context too.
    workdir = CWD.exec(text)?.[1]?.trim() ?? workdir;
    if (item.type === 'function_call_output' || item.type === 'custom_tool_call_output') step++;
    // Codex sends its context (<environment_context>, <user_instructions>…) as user messages too.
    if (item.role === 'user' && text.trim() !== '' && !/^\s*<[a-z_]+>/.test(text)) {
      userTexts.push(text);
      step = 0;
    }
  }
  if (workdir === undefined && typeof body.instructions === 'string') workdir = CWD.exec(body.instructions)?.[1]?.trim();
  return { workdir, step, userText: userTexts.at(-1) ?? '', userTexts, body };
}

function wireUsage(u: ScriptedUsage): Record<string, unknown> {
  return {
    input_tokens: u.inputTokens,
    input_tokens_details: { cached_tokens: u.cacheReadTokens },
    output_tokens: u.outputTokens,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: u.inputTokens + u.outputTokens,
  };
}

function sendAnswer(res: ServerResponse, reply: { text: string } | { tool: string; args: Record<string, unknown> }, n: number, model: string, usage: ScriptedUsage): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  let seq = 0;
  const send = (type: string, data: Record<string, unknown>): void => {
    res.write(`event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: seq++, ...data })}\n\n`);
  };
  const id = `resp_fake_${n}`;
  const response = { id, object: 'response', created_at: Math.floor(Date.now() / 1000), model, status: 'in_progress', output: [] as unknown[] };
  const item =
    'text' in reply
      ? { id: `msg_fake_${n}`, type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: reply.text, annotations: [] }] }
      : { id: `fc_fake_${n}`, type: 'function_call', status: 'completed', call_id: `call_fake_${n}`, name: reply.tool, arguments: JSON.stringify(reply.args) };
  send('response.created', { response });
  send('response.output_item.added', { output_index: 0, item: { ...item, status: 'in_progress' } });
  send('response.output_item.done', { output_index: 0, item });
  send('response.completed', { response: { ...response, status: 'completed', output: [item], usage: wireUsage(usage) } });
  res.end();
}

/**
 * Starts the fake on 127.0.0.1 (ephemeral port). Routes: `POST /v1/responses`; everything else
 * is a 404 in OpenAI's error shape. Turn requests go to the script routed by working directory.
 */
export async function startFakeResponsesModel(options: ScriptedModelOptions = {}): Promise<ScriptedModel> {
  const chooser = scriptChooser(options);
  const usage = options.usage ?? DEFAULT_SCRIPTED_USAGE;
  const requests: ScriptedRecord[] = [];
  const error = (res: ServerResponse, status: number, message: string): void => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { message, type: 'invalid_request_error', param: null, code: null } }));
  };
  const server = createServer((req, res) => {
    void (async () => {
      const pathname = (req.url ?? '').split('?')[0];
      if (req.method !== 'POST' || pathname !== '/v1/responses') return error(res, 404, `fake model: no route ${req.method} ${req.url}`);
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
      sendAnswer(res, reply, requests.length, typeof body.model === 'string' ? body.model : 'gpt-fake', usage);
    })().catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500);
      res.end(String(err));
    });
  });
  const { port, close } = await listenLoopback(server);
  return { url: `http://127.0.0.1:${port}/v1`, requests, route: chooser.route, close };
}
