import path from 'node:path';
import { agentDirLayout } from './sandbox-env.js';
import type { SessionPlace } from './types.js';

/**
 * The `HOME` an issue's agent sees, as a host path: `<agentDir>/home` inside kugetsu's bubblewrap
 * sandbox (it replaces `HOME`, see `sandboxEnv`), else the turn environment's own `HOME`.
 * `undefined` when there is none (no sandbox and no `HOME`).
 */
export function agentHome(place: Pick<SessionPlace, 'sandbox' | 'agentDir' | 'env'>): string | undefined {
  if (place.sandbox.mode === 'bwrap') return agentDirLayout(place.agentDir).home;
  const home = place.env.HOME;
  return home !== undefined && path.isAbsolute(home) ? home : undefined;
}

/** Session ids that may be part of a file name: letters, digits, `-` and `_` (UUIDs, ULIDs). */
export const FILE_SAFE_SESSION_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

/** Largest session file exported, in bytes (a long session with big tool outputs is a few MB). */
export const MAX_SESSION_FILE_BYTES = 64 * 1024 * 1024;
