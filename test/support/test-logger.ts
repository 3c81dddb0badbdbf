import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../src/log/logger.js';
import type { Redactor } from '../../src/log/redact.js';

/** A real pino logger whose lines are kept in memory (parsed JSON), for assertions on logs. */
export function memoryLogger(redact: Redactor = (t) => t, level = 'debug'): { logger: Logger; lines: Array<Record<string, any>>; text: () => string } {
  const raw: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      raw.push(String(chunk));
      cb();
    },
  });
  const logger = createLogger({ level, redact, destination });
  return {
    logger,
    get lines() {
      return raw
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, any>);
    },
    text: () => raw.join(''),
  };
}
