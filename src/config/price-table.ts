import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import type { TurnUsage } from '../domain/turn-usage.js';
import { locate } from './repo-config-locate.js';

const price = (what: string) => z.number({ error: `${what} must be a number of US dollars per million tokens, e.g. 3` }).nonnegative({ error: `${what} must not be negative` });

/** One model's prices in USD per million tokens; cache prices default to the input price. */
const modelPrices = z.strictObject(
  {
    input: price('"input"'),
    output: price('"output"'),
    cache_read: price('"cache_read"').optional(),
    cache_write: price('"cache_write"').optional(),
  },
  {
    error: (iss) =>
      iss.code === 'unrecognized_keys'
        ? `unknown key ${(iss as { keys?: string[] }).keys?.map((k) => `"${k}"`).join(', ')}; a model's prices are input, output, cache_read, cache_write`
        : 'each model needs its prices: {input: 3, output: 15, cache_read: 0.3, cache_write: 3.75} (USD per million tokens)',
  },
);

/**
 * The price table file (`KUGETSU_PRICES_FILE`, YAML): `models:` maps a model name — as the agent
 * reports it (Claude Code's model id, the Codex/opencode model setting) — or `"*"` (any other
 * model, or an unnamed one) to its prices in USD per million tokens.
 */
export const priceFileSchema = z.strictObject(
  { models: z.record(z.string(), modelPrices, { error: '"models" must map model names to prices, e.g. models: {gpt-5.5: {input: 1.25, output: 10}}' }) },
  { error: 'the price file must be a mapping with "models:", e.g. models: {gpt-5.5: {input: 1.25, output: 10, cache_read: 0.125}}' },
);

/** Prices of one model, in USD per million tokens. */
export interface ModelPrices {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
}

/** A loaded price table. */
export interface PriceTable {
  /** Prices by model name (`"*"`: any other). */
  models: Record<string, ModelPrices>;
  /** Cost in USD of `usage` by the model's prices (else `"*"`'s), or `undefined` when neither exists. */
  costOf(usage: TurnUsage): number | undefined;
}

/** Raised for a price file that cannot be used; the message says `file:line:col: problem`. */
export class PriceTableError extends Error {
  override readonly name = 'PriceTableError';
}

/**
 * Parses the text of a price file (`file` names it in messages). Throws {@link PriceTableError}
 * with `file:line:col: problem` for invalid YAML or a value the schema refuses (the first problem).
 */
export function parsePriceTable(file: string, text: string): PriceTable {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const p = e.linePos?.[0] ?? lines.linePos(e.pos[0]);
    throw new PriceTableError(`${file}:${p.line}:${p.col}: ${e.message.split('\n')[0]}`);
  }
  const parsed = priceFileSchema.safeParse(doc.toJS());
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const p = locate(
      doc,
      lines,
      issue.path.map((k) => (typeof k === 'symbol' ? String(k) : k)),
    );
    const where = issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
    throw new PriceTableError(`${file}:${p.line}:${p.col}: ${where}${issue.message}`);
  }
  const models: Record<string, ModelPrices> = {};
  for (const [name, m] of Object.entries(parsed.data.models)) {
    models[name] = { input: m.input, output: m.output, cacheRead: m.cache_read ?? m.input, cacheWrite: m.cache_write ?? m.input };
  }
  return {
    models,
    costOf(usage) {
      const p = (usage.model !== undefined ? models[usage.model] : undefined) ?? models['*'];
      if (!p) return undefined;
      return (usage.inputTokens * p.input + usage.outputTokens * p.output + usage.cacheReadTokens * p.cacheRead + usage.cacheWriteTokens * p.cacheWrite) / 1_000_000;
    },
  };
}

/** Reads and parses the price file at `file`. Throws {@link PriceTableError} (unreadable file included). */
export function loadPriceTable(file: string): PriceTable {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new PriceTableError(`${file}: cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); fix KUGETSU_PRICES_FILE`);
  }
  return parsePriceTable(file, text);
}
