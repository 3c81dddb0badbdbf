import type { IncomingMessage, Server } from 'node:http';
import { realpathSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

/**
 * What the scripted Anthropic and OpenAI Responses fakes (`fake-anthropic-model.ts`,
 * `fake-responses-model.ts`) answer to one request.
 */
export type ScriptedReply =
  /** Plain assistant text; ends the turn. */
  | { text: string }
  /** One tool call, e.g. `{tool: 'Write', args: {file_path, content}}` or `{tool: 'exec_command', args: {cmd}}`. */
  | { tool: string; args: Record<string, unknown> }
  /** An HTTP error instead of an answer (400 makes the CLIs fail fast; 5xx/429 make them retry). */
  | { httpError: { status: number; message: string } }
  /** Response headers, then nothing ever again (a model that stalls): only a turn timeout ends it. */
  | { stall: true };

/** Token counts a fake reports for one answer (the wire names differ per API). */
export interface ScriptedUsage {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
}

/** Default usage of every answer: small, distinct numbers so that sums are recognisable. */
export const DEFAULT_SCRIPTED_USAGE: ScriptedUsage = { inputTokens: 100, outputTokens: 20, cacheReadTokens: 50, cacheWriteTokens: 10 };

/** What a script sees of one request. */
export interface ScriptedContext {
  /** The working directory the agent states in its request, or `undefined`. */
  workdir: string | undefined;
  /** Tool results since the last real user text (0 on a turn's first request). */
  step: number;
  /** The last real user text (parts joined by newlines). */
  userText: string;
  /** Every real user text of the request, oldest first (history included). */
  userTexts: string[];
  /** The whole parsed JSON body. */
  body: Record<string, unknown>;
}

/** Chooses the reply to one request. */
export type ScriptedScript = (ctx: ScriptedContext) => ScriptedReply;

/** One request a fake received, kept for assertions. */
export interface ScriptedRecord extends ScriptedContext {
  /** `"aux"` for a request without tools (titles, summaries…), `"turn"` otherwise. */
  kind: 'aux' | 'turn';
  /** What was answered. */
  reply: ScriptedReply;
  /** Request headers (lowercase names). */
  headers: Record<string, string | string[] | undefined>;
}

/** Options shared by the scripted fakes. */
export interface ScriptedModelOptions {
  /** Script for turn requests whose working directory has no route. Default: always `{text: "done"}`. */
  script?: ScriptedScript;
  /** Scripts by working directory (absolute; symlinks resolved on both sides). */
  routes?: Record<string, ScriptedScript>;
  /** Usage reported with every answer. Default {@link DEFAULT_SCRIPTED_USAGE}. */
  usage?: ScriptedUsage;
  /** From this step on the answer is text whatever the script says (no endless loops). Default 20. */
  maxSteps?: number;
}

/** A running scripted fake. */
export interface ScriptedModel {
  /** Base URL, e.g. `http://127.0.0.1:41234` (Anthropic) or `http://127.0.0.1:41234/v1` (OpenAI). */
  url: string;
  /** Every request received, in order. */
  requests: ScriptedRecord[];
  /** Adds or replaces the script for one working directory. */
  route(workdir: string, script: ScriptedScript): void;
  /** Stops the server (open connections, stalled ones included, are closed). */
  close(): Promise<void>;
}

/** Step `i` answers `steps[i]`, then `finalText`. */
export function scriptedTurn(steps: ScriptedReply[], finalText = 'done'): ScriptedScript {
  return ({ step }) => steps[step] ?? { text: finalText };
}

/** `dir` resolved, symlinks followed when it exists. */
export function canonicalDir(dir: string): string {
  const abs = path.resolve(dir);
  try {
    return realpathSync(abs);
  } catch {
    return abs;
  }
}

/** The whole request body as text. */
export async function readRequestBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Routing of scripts by working directory, with the default script and the step bound. */
export function scriptChooser(options: ScriptedModelOptions): {
  route(workdir: string, script: ScriptedScript): void;
  choose(ctx: ScriptedContext): ScriptedReply;
} {
  const routes = new Map<string, ScriptedScript>();
  for (const [dir, script] of Object.entries(options.routes ?? {})) routes.set(canonicalDir(dir), script);
  const fallback: ScriptedScript = options.script ?? (() => ({ text: 'done' }));
  const maxSteps = options.maxSteps ?? 20;
  return {
    route(workdir, script) {
      routes.set(canonicalDir(workdir), script);
    },
    choose(ctx) {
      if (ctx.step >= maxSteps) return { text: `fake model: stopped after ${maxSteps} steps` };
      const script = (ctx.workdir !== undefined ? routes.get(canonicalDir(ctx.workdir)) : undefined) ?? fallback;
      try {
        return script(ctx);
      } catch (err) {
        return { httpError: { status: 400, message: `fake model script failed: ${String(err)}` } };
      }
    },
  };
}

/** Listens on 127.0.0.1 (ephemeral port); resolves the port and a `close` that also ends stalled answers. */
export async function listenLoopback(server: Server): Promise<{ port: number; close: () => Promise<void> }> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
