import { afterEach, describe, expect, it } from 'vitest';
import { startFakeModel, turnScript, type FakeModel } from '../../src/sandbox/fake-model.js';

/** Posts a chat request and returns the parsed SSE `data:` payloads (or the status and body on error). */
async function chat(model: FakeModel, body: Record<string, unknown>): Promise<{ status: number; events: Array<Record<string, unknown>>; text: string }> {
  const res = await fetch(`${model.url}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await res.text();
  const events = text
    .split('\n')
    .filter((l) => l.startsWith('data: ') && l !== 'data: [DONE]')
    .map((l) => JSON.parse(l.slice(6)) as Record<string, unknown>);
  return { status: res.status, events, text };
}

const tools = [{ type: 'function', function: { name: 'write' } }];
const system = (dir: string) => ({ role: 'system', content: `You are opencode.\nWorking directory: ${dir}\nPlatform: linux` });

describe('fake model', () => {
  let model: FakeModel | undefined;
  afterEach(() => model?.close());

  it('answers title requests with text and routes turn requests by working directory', async () => {
    model = await startFakeModel({ titleText: 'A title', routes: { '/work/a': () => ({ text: 'from a' }) } });
    model.route('/work/b', turnScript([{ tool: 'write', args: { filePath: 'x.txt', content: 'x' } }], 'b done'));

    const title = await chat(model, { stream: true, messages: [system('/work/a'), { role: 'user', content: 'hi' }] });
    expect(title.events.map((e) => (e.choices as Array<{ delta: { content?: string } }>)[0]?.delta.content).join('')).toBe('A title');

    const a = await chat(model, { stream: true, tools, messages: [system('/work/a'), { role: 'user', content: 'hi' }] });
    expect(a.text).toContain('"content":"from a"');
    expect(a.text).toContain('"finish_reason":"stop"');
    expect(a.text.trimEnd().endsWith('data: [DONE]')).toBe(true);

    const b0 = await chat(model, { stream: true, tools, messages: [system('/work/b'), { role: 'user', content: 'go' }] });
    const toolCall = b0.events.flatMap(
      (e) => (e.choices as Array<{ delta: { tool_calls?: Array<{ id?: string; function: { name?: string; arguments: string } }> } }>)[0]?.delta.tool_calls ?? [],
    );
    expect(toolCall[0]).toMatchObject({ id: 'call_3', function: { name: 'write' } });
    expect(JSON.parse(toolCall.map((t) => t.function.arguments).join(''))).toEqual({ filePath: 'x.txt', content: 'x' });
    expect(b0.text).toContain('"finish_reason":"tool_calls"');

    const history = [
      system('/work/b'),
      { role: 'user', content: 'go' },
      { role: 'assistant', content: '', tool_calls: [{ id: 'call_3', type: 'function', function: { name: 'write', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: 'call_3', content: 'Wrote file successfully.' },
    ];
    const b1 = await chat(model, { stream: true, tools, messages: history });
    expect(b1.text).toContain('"content":"b done"');

    expect(model.requests.map((r) => [r.kind, r.workdir, r.step, r.userText])).toEqual([
      ['title', '/work/a', 0, 'hi'],
      ['turn', '/work/a', 0, 'hi'],
      ['turn', '/work/b', 0, 'go'],
      ['turn', '/work/b', 1, 'go'],
    ]);
  });

  it('stops a looping script after maxSteps and can answer HTTP errors', async () => {
    model = await startFakeModel({
      maxSteps: 1,
      script: ({ userText }) => (userText === 'fail' ? { httpError: { status: 400, message: 'nope' } } : { tool: 'bash', args: { command: 'true', description: 'loop' } }),
    });
    const looping = [
      { role: 'user', content: 'loop' },
      { role: 'assistant', content: '', tool_calls: [{ id: 'c1', type: 'function', function: { name: 'bash', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: 'c1', content: '' },
    ];
    const stopped = await chat(model, { stream: true, tools, messages: looping });
    expect(stopped.text).toContain('fake model: stopped after 1 steps');
    const failed = await chat(model, { stream: true, tools, messages: [{ role: 'user', content: 'fail' }] });
    expect(failed.status).toBe(400);
    expect(JSON.parse(failed.text)).toEqual({ error: { message: 'nope', type: 'invalid_request_error' } });
    expect(model.requests.map((r) => r.workdir)).toEqual([undefined, undefined]);
  });
});
