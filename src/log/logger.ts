import { pino, type Logger } from 'pino';
import type { Redactor } from './redact.js';

export type { Logger } from 'pino';

/**
 * The service logger: JSON lines on stdout (pino). Every string that reaches a log line —
 * message and bound fields — passes through `redact`, so the Gitea token and webhook secrets never
 * reach the logs even inside an error message or git output.
 */
export function createLogger(options: { level: string; redact: Redactor; destination?: NodeJS.WritableStream }): Logger {
  const { redact } = options;
  const scrub = (value: unknown, depth = 0): unknown => {
    if (typeof value === 'string') return redact(value);
    if (depth > 4 || value === null || typeof value !== 'object') return value;
    if (value instanceof Error) {
      return { type: value.name, message: redact(value.message), stack: value.stack ? redact(value.stack) : undefined };
    }
    if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = scrub(v, depth + 1);
    return out;
  };
  return pino(
    {
      level: options.level,
      base: { service: 'kugetsu' },
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map((a) => scrub(a)) as Parameters<typeof method>);
        },
      },
      formatters: {
        bindings: (bindings) => scrub(bindings) as Record<string, unknown>,
      },
    },
    (options.destination ?? process.stdout) as pino.DestinationStream,
  );
}
